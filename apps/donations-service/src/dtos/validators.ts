import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

/** The largest amount (cents or points) any field takes: far below 2^53, so sums stay exact. */
export const MAX_AMOUNT = 1_000_000_000_000;

/** An integer amount (cents or points) between `min` and {@link MAX_AMOUNT}: never a float, a string or a boolean. */
export function IsAmount(min: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isAmount',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an integer between ${min} and ${MAX_AMOUNT}`, ...options },
      validator: { validate: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= MAX_AMOUNT },
    });
}

/**
 * The field may be left out, but not sent as null (`@IsOptional` lets null through, and a PATCH
 * would then write it): its other rules run whenever it is present.
 */
export function Absent(): PropertyDecorator {
  return ValidateIf((_o: object, value: unknown) => value !== undefined);
}
