import type { FusewireLogger } from '@fusewire/core';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  obj: Record<string, unknown>;
  msg: string;
}

/** A pino-shaped logger that keeps every line, for "logged once" and "never contains" checks. */
export interface CapturingLogger extends FusewireLogger {
  readonly lines: LogLine[];
  withCode(code: string): LogLine[];
  matching(re: RegExp): LogLine[];
  text(): string;
}

export function captureLogger(): CapturingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    };
  return {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    withCode: (code) => lines.filter((l) => l.obj.code === code),
    matching: (re) => lines.filter((l) => re.test(l.msg)),
    text: () => lines.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj)}`).join('\n'),
  };
}
