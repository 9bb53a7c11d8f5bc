import { type Field, IMPLAUSIBLE_ENV_SECONDS, type NumberSpec } from './option-fields.js';

/**
 * Something wrong with one option or environment variable, worded for the person who set it:
 * what they wrote (in its unit), what is wrong, what to do, and what fusewire uses meanwhile.
 */
export interface ConfigProblem {
  /** The option (`flushAt`) or environment variable (`LANGFUSE_FLUSH_AT`). */
  option: string;
  problem: string;
  hint: string;
  /** What is used instead; absent for a value that is used but looks like a mistake. */
  fallback?: string;
}

/** Shows a value in a message: short, never a secret. */
export type Quote = (value: unknown) => string;

/** One log line: `LANGFUSE_FLUSH_AT: "0x10" is not …. Set … Using the default, 512.` */
export function formatProblem(p: ConfigProblem): string {
  return `${p.option}: ${p.problem}. ${p.hint}${p.fallback ? ` ${p.fallback}` : ''}`;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const WITH_UNIT = /^(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)$/i;

/** Result of reading one environment variable: a value, maybe with a warning, or a rejection. */
export type EnvRead = { value: unknown; warning?: ConfigProblem } | { rejected: ConfigProblem };

/**
 * Reads a string from the environment as the option's type. Numbers must be plain decimals (`0x10`
 * and `1e3` are not counts); a duration is in seconds, as in the official Langfuse SDKs.
 */
export function readEnv(field: Field, variable: string, raw: string, quote: Quote): EnvRead {
  const text = raw.trim();
  const spec = field.number;
  if (spec === undefined) return { value: text };
  const seconds = spec.unit === 'ms';
  const reject = (problem: string, hint = envHint(field, variable)) => ({
    rejected: { option: variable, problem, hint, fallback: fallbackFor(field, true) },
  });
  if (!DECIMAL.test(text)) {
    const unit = WITH_UNIT.exec(text);
    if (seconds && unit) {
      const n = Number(unit[1]);
      const inSeconds = unit[2]!.toLowerCase().startsWith('m') ? n / 1000 : n;
      return reject(`${quote(raw)} has a unit`, `Write the number alone, in seconds: ${variable}=${inSeconds}.`);
    }
    return reject(`${quote(raw)} is not a number written in decimal digits`);
  }
  const n = Number(text);
  if (spec.int && !Number.isInteger(n)) return reject(`${quote(raw)} is not a whole number`);
  const value = seconds ? n * 1000 : n;
  if (value < spec.min || value > spec.max) {
    const bound =
      value > spec.max
        ? `above the maximum, ${show(spec.max, spec, true)}`
        : `below the minimum, ${show(spec.min, spec, true)}`;
    if (!seconds) return reject(`${quote(raw)} is ${bound}`);
    const asMs = n / 1000;
    const meantMs = value > spec.max && asMs * 1000 >= spec.min;
    return reject(
      `${quote(raw)} means ${n} seconds (this variable is in seconds), ${bound}`,
      meantMs ? `If you meant ${n} milliseconds, set ${variable}=${asMs}.` : envHint(field, variable),
    );
  }
  if (seconds && n > IMPLAUSIBLE_ENV_SECONDS) {
    const warning: ConfigProblem = {
      option: variable,
      problem: `${quote(raw)} means ${n} seconds (${round(n / 60)} minutes): this variable is in seconds`,
      hint: `If you meant ${n} milliseconds, set ${variable}=${n / 1000}.`,
    };
    return { value, warning };
  }
  return { value };
}

/** Why a value passed in code (or read from the environment as text) was rejected. */
export function rejectValue(
  name: string,
  field: Field,
  value: unknown,
  source: string,
  fromEnv: boolean,
  quote: Quote,
): ConfigProblem {
  const fallback = fallbackFor(field, fromEnv);
  const spec = field.number;
  if (spec !== undefined && !fromEnv) return { option: source, ...rejectNumber(spec, value, quote, field), fallback };
  const shown = name === 'secretKey' || name === 'publicKey' ? 'the given value' : quote(value);
  let hint = fromEnv ? envHint(field, source) : `Use ${field.accepts}.`;
  if (
    name === 'environment' &&
    typeof value === 'string' &&
    /^(?!langfuse)[a-z0-9_-]{1,40}$/.test(value.toLowerCase())
  ) {
    hint = `Use lowercase: ${quote(value.toLowerCase())}.`;
  }
  if (name === 'baseUrl' && typeof value === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    hint = `Start it with https:// (or http:// for a server on this machine), e.g. https://cloud.langfuse.com.`;
  }
  return { option: source, problem: `${shown} is not accepted`, hint, fallback };
}

function rejectNumber(spec: NumberSpec, value: unknown, quote: Quote, field: Field) {
  const use = `Use ${field.accepts}.`;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) {
    return { problem: `${quote(value)} is a string`, hint: `Pass a number: ${value.trim()}.` };
  }
  if (typeof value !== 'number') return { problem: `${quote(value)} is not a number`, hint: use };
  if (!Number.isFinite(value)) return { problem: `${value} is not a finite number`, hint: use };
  if (spec.int && !Number.isInteger(value)) return { problem: `${value} is not a whole number`, hint: use };
  if (value > spec.max)
    return { problem: `${show(value, spec)} is above the maximum, ${show(spec.max, spec)}`, hint: use };
  const seconds = value * 1000;
  const meantSeconds = spec.unit === 'ms' && value > 0 && seconds >= spec.min && seconds <= spec.max;
  return {
    problem: `${show(value, spec)} is below the minimum, ${show(spec.min, spec)}`,
    hint: meantSeconds ? `This option is in milliseconds: if you meant ${value} seconds, use ${seconds}.` : use,
  };
}

function envHint(field: Field, variable: string): string {
  const spec = field.number;
  if (spec === undefined) return `Set ${variable} to ${field.accepts}, or unset it.`;
  if (spec.unit === 'ms') {
    return `Set ${variable} to seconds from ${spec.min / 1000} to ${spec.max / 1000}, or unset it.`;
  }
  return `Set ${variable} to ${field.accepts}, or unset it.`;
}

/** The fallback sentence, with a duration's default shown in the unit the user wrote in. */
function fallbackFor(field: Field, fromEnv: boolean): string {
  return fromEnv ? (field.envFallback ?? field.fallback) : field.fallback;
}

function show(value: number, spec: NumberSpec, inSeconds = false): string {
  if (spec.unit === 'ms') return inSeconds ? `${round(value / 1000)} seconds` : `${value} ms`;
  if (spec.unit === 'bytes') return `${value} bytes`;
  return String(value);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
