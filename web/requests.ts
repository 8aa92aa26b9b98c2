// Request-side hardening shared by the routes: a stored result read defensively (a truncated or
// hand-edited result.json is "broken", with the reason, not a 500 for every result), and any
// error turned into the HTTP status it deserves (a body-parser 4xx, an undecodable URL) with a
// message that leaks no stack or path. Only what is left is a 500, and that is a bug.

/** A result that cannot be used: listed with `broken`, answered with 422. */
export class BrokenResultError extends Error {
  readonly status = 422;
}

export interface ResultListing {
  name: string;
  phase?: string;
  model?: string;
  topology?: string;
  gpus?: number;
  schedules?: string[];
  hasSweep: boolean;
  /** Why the result cannot be shown, when it cannot. */
  broken?: string;
}

/** One row of GET /api/results; `read` returns result.json's text (it may throw). */
export function listResult(name: string, read: () => string, hasSweep: boolean): ResultListing {
  try {
    const result = parseResult(read(), `result.json of "${name}"`);
    const schedules = result.schedules as unknown[];
    const scheduleNames = schedules.map((s) => (s as { name?: unknown })?.name);
    if (!scheduleNames.every((n): n is string => typeof n === 'string')) throw new BrokenResultError('a schedule has no name');
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const scenario = result.scenario as { workload?: { phase?: unknown } } | undefined;
    return {
      name,
      phase: str(scenario?.workload?.phase),
      model: str((result.model as { name?: unknown } | undefined)?.name),
      topology: str((result.topology as { name?: unknown } | undefined)?.name),
      ...(typeof (result.topology as { gpus?: unknown } | undefined)?.gpus === 'number' ? { gpus: (result.topology as { gpus: number }).gpus } : {}),
      schedules: scheduleNames,
      hasSweep,
    };
  } catch (e) {
    return { name, hasSweep, broken: e instanceof Error ? e.message : String(e) };
  }
}

/** `use(parsed)` on a result file's text; a result the code cannot use is a BrokenResultError (422). */
export function summaryOf<T>(text: string, label: string, use: (result: never) => T): T {
  const result = parseResult(text, label);
  try {
    return use(result as never);
  } catch (e) {
    throw new BrokenResultError(`${label} is broken: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A result.json's text parsed; BrokenResultError (422) when it is not valid JSON, not an object or has no "schedules" list. */
export function parseResult(text: string, label: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BrokenResultError(`${label} is not valid JSON (${(e as Error).message}); run the scenario again`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new BrokenResultError(`${label} is not a JSON object`);
  if (!Array.isArray((json as { schedules?: unknown }).schedules)) throw new BrokenResultError(`${label} has no "schedules" list`);
  return json as Record<string, unknown>;
}

/** The status and JSON body for an error no route handled itself. */
export function httpErrorOf(error: unknown): { status: number; body: { error: string; message: string } } {
  const e = error as { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string } | undefined;
  if (error instanceof BrokenResultError) return { status: 422, body: { error: 'BrokenResult', message: error.message } };
  if (e?.type === 'entity.too.large') return { status: 413, body: { error: 'TooLarge', message: 'the request body is too large' } };
  if (e?.type === 'entity.parse.failed') return { status: 400, body: { error: 'BadRequest', message: 'the request body is not valid JSON' } };
  if (e?.type === 'encoding.unsupported') return { status: 415, body: { error: 'UnsupportedEncoding', message: e.message ?? 'unsupported content encoding' } };
  if (error instanceof URIError) return { status: 400, body: { error: 'BadRequest', message: 'the URL is not valid percent-encoded UTF-8' } };
  const status = e?.status ?? e?.statusCode;
  // body-parser and the router mark client errors with a 4xx status (an invalid gzip body, a
  // request aborted mid-body, an undecodable path parameter); their messages are safe to show.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { error: 'BadRequest', message: e?.expose === false ? 'bad request' : (e?.message ?? 'bad request') } };
  }
  return { status: 500, body: { error: 'InternalError', message: 'an internal error in epsim (see the server log)' } };
}
