// Error families. Input errors (the user's fault) carry a location and are printed without a
// stack trace; invariant errors (our bug) carry simulation context and are never caught to carry on.

/** One problem in a user's input, located as precisely as the input allows. */
export interface InputIssue {
  file: string;
  /** 1-based; 0 when the problem is not tied to a line (a missing file, a binary field). */
  line: number;
  col: number;
  /** Dotted key path or JSON path inside the file, '' for the whole file. */
  path: string;
  message: string;
}

/** Base class of every error that a user can fix by changing an input. */
export class UserInputError extends Error {
  readonly issues: InputIssue[];

  constructor(issues: InputIssue[], summary?: string) {
    super(summary ?? issues.map(formatIssue).join('\n'));
    this.name = 'UserInputError';
    this.issues = issues;
  }
}

/** A YAML scenario or topology that fails to parse or validate. */
export class ConfigError extends UserInputError {
  constructor(issues: InputIssue[]) {
    super(issues);
    this.name = 'ConfigError';
  }
}

/** A routing trace (or imported dump) that is malformed or of the wrong version. */
export class TraceFormatError extends UserInputError {
  constructor(file: string, path: string, message: string) {
    super([{ file, line: 0, col: 0, path, message }]);
    this.name = 'TraceFormatError';
  }
}

/** A bad command-line argument or a file that cannot be read. */
export class UsageError extends UserInputError {
  constructor(message: string, file = '') {
    super([{ file, line: 0, col: 0, path: '', message }]);
    this.name = 'UsageError';
  }
}

/** A broken simulator invariant: a bug in epsim, not in the user's input. */
export class SimInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimInvariantError';
  }
}

/**
 * `file:line:col: path: message`, leaving out the parts that are unknown. One line always: control
 * characters that came from the input (a value with a newline, a NUL) are shown escaped.
 */
export function formatIssue(issue: InputIssue): string {
  let where = issue.file;
  if (issue.line > 0) where += `:${issue.line}:${issue.col}`;
  const prefix = where ? `${where}: ` : '';
  const path = issue.path ? `${issue.path}: ` : '';
  return oneLine(`${prefix}${path}${issue.message}`);
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
