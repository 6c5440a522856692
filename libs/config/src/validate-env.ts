import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** Thrown at boot when the environment is invalid; the message names every bad variable. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment: ${problems.join('; ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/**
 * Validates `env` (default `process.env`) against a class whose properties are the variables,
 * decorated with class-validator rules and defaults as initialisers. Values are converted with
 * implicit conversion (numbers, booleans). Returns the typed, frozen instance; throws
 * {@link InvalidEnvironmentError} naming each bad variable. This is the only place that reads
 * process.env.
 */
export function validateEnv<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): Readonly<T> {
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    const fallback = defaults[key];
    if (value === undefined || value === '') raw[key] = fallback;
    else if (typeof fallback === 'number') raw[key] = /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
    else if (typeof fallback === 'boolean') raw[key] = ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) ? true : ['0', 'false', 'no', 'off'].includes(value.toLowerCase()) ? false : value;
    else raw[key] = value;
  }
  const instance = plainToInstance(cls, raw, { exposeDefaultValues: true });
  const errors = validateSync(instance, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      errors.map((e) => `${e.property}=${JSON.stringify(env[e.property] ?? null)}: ${Object.values(e.constraints ?? {}).join(', ')}`),
    );
  }
  return Object.freeze(instance);
}
