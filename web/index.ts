// PUBLIC SURFACE of web/: what other folders may import (they import nothing else from here).
export { createApp } from './app.ts';
export { startServer } from './server.ts';
