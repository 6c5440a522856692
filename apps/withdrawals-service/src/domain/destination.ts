// Payout destinations: validation per method, normalisation, a keyed fingerprint (is it new or changed,
// without decrypting anything) and masking for responses. A destination is personal data: nothing here
// puts a submitted value into an error message, only the field's name.

import { createHmac } from 'node:crypto';

export const WITHDRAWAL_METHODS = ['bank_transfer', 'mobile_money', 'paypal', 'crypto'] as const;
export type WithdrawalMethod = (typeof WITHDRAWAL_METHODS)[number];

/** A bank account in South Africa. */
export interface BankDestination {
  bank_name: string;
  account_holder: string;
  /** 6–16 digits (spaces and hyphens are removed). */
  account_number: string;
  /** 6 digits. */
  branch_code: string;
}

export interface MobileMoneyDestination {
  provider: string;
  /** E.164: `+` and 8–15 digits, the first not 0. */
  phone_number: string;
}

export interface PaypalDestination {
  email: string;
}

export interface CryptoDestination {
  /** A lower-case network name (`bitcoin`, `ethereum`, …). */
  network: string;
  /** 20–128 letters and digits, case kept (base58 addresses are case-sensitive). */
  address: string;
}

export interface DestinationByMethod {
  bank_transfer: BankDestination;
  mobile_money: MobileMoneyDestination;
  paypal: PaypalDestination;
  crypto: CryptoDestination;
}

/** A method with its normalised destination. */
export type Destination = { [M in WithdrawalMethod]: { method: M; destination: DestinationByMethod[M] } }[WithdrawalMethod];

export type DestinationResult =
  | { ok: true; value: Destination }
  | { ok: false; code: 'invalid_destination'; field: string; reason: string };

/** The fields of each method, in the order the fingerprint reads them. */
export const DESTINATION_FIELDS: { readonly [M in WithdrawalMethod]: readonly (keyof DestinationByMethod[M])[] } = {
  bank_transfer: ['bank_name', 'account_holder', 'account_number', 'branch_code'],
  mobile_money: ['provider', 'phone_number'],
  paypal: ['email'],
  crypto: ['network', 'address'],
};

// A lone surrogate (high not followed by low, or low not preceded by high).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Control characters, NUL included; names and providers are single-line text.
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

class Invalid extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(reason);
  }
}

function text(raw: Record<string, unknown>, field: string, min: number, max: number): string {
  const value = raw[field];
  if (value === undefined || value === null) throw new Invalid(field, 'is required');
  if (typeof value !== 'string') throw new Invalid(field, 'must be a string');
  if (LONE_SURROGATE.test(value)) throw new Invalid(field, 'must be valid Unicode text');
  if (CONTROL.test(value)) throw new Invalid(field, 'must not contain control characters');
  const v = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (v.length < min || v.length > max) throw new Invalid(field, `must be ${min} to ${max} characters`);
  return v;
}

/** A string of digits, with the spaces and hyphens people type removed. */
function digits(raw: Record<string, unknown>, field: string, min: number, max: number): string {
  const v = text(raw, field, 1, 64).replace(/[ -]/g, '');
  if (!/^\d+$/.test(v)) throw new Invalid(field, 'must be digits');
  if (v.length < min || v.length > max) throw new Invalid(field, min === max ? `must be ${min} digits` : `must be ${min} to ${max} digits`);
  return v;
}

function normalise(method: WithdrawalMethod, raw: Record<string, unknown>): Destination {
  switch (method) {
    case 'bank_transfer':
      return {
        method,
        destination: {
          bank_name: text(raw, 'bank_name', 2, 100),
          account_holder: text(raw, 'account_holder', 2, 100),
          account_number: digits(raw, 'account_number', 6, 16),
          branch_code: digits(raw, 'branch_code', 6, 6),
        },
      };
    case 'mobile_money': {
      const provider = text(raw, 'provider', 2, 50);
      const phone = text(raw, 'phone_number', 1, 32).replace(/[ \-().]/g, '');
      if (!/^\+[1-9]\d{7,14}$/.test(phone)) throw new Invalid('phone_number', 'must be an E.164 number (+ and 8 to 15 digits)');
      return { method, destination: { provider, phone_number: phone } };
    }
    case 'paypal': {
      const email = text(raw, 'email', 3, 254).toLowerCase();
      if (!EMAIL.test(email) || email.split('@')[0].length > 64) throw new Invalid('email', 'must be an email address');
      return { method, destination: { email } };
    }
    case 'crypto': {
      const network = text(raw, 'network', 2, 32).toLowerCase();
      if (!/^[a-z0-9][a-z0-9_-]*$/.test(network)) throw new Invalid('network', 'must be a network name');
      const address = text(raw, 'address', 20, 128);
      if (!/^[A-Za-z0-9]+$/.test(address)) throw new Invalid('address', 'must be letters and digits');
      return { method, destination: { network, address } };
    }
  }
}

/**
 * Validates and normalises a destination for `method`. A bad one is `invalid_destination` with the
 * field (`destination.<name>`, or `method`); the reason never repeats the submitted value.
 */
export function parseDestination(method: unknown, destination: unknown): DestinationResult {
  if (typeof method !== 'string' || !(WITHDRAWAL_METHODS as readonly string[]).includes(method)) {
    return { ok: false, code: 'invalid_destination', field: 'method', reason: `must be one of ${WITHDRAWAL_METHODS.join(', ')}` };
  }
  const m = method as WithdrawalMethod;
  if (typeof destination !== 'object' || destination === null || Array.isArray(destination)) {
    return { ok: false, code: 'invalid_destination', field: 'destination', reason: 'must be an object' };
  }
  const raw = destination as Record<string, unknown>;
  const allowed = DESTINATION_FIELDS[m] as readonly string[];
  const extra = Object.keys(raw).find((k) => !allowed.includes(k));
  if (extra !== undefined) {
    const shown = LONE_SURROGATE.test(extra) || CONTROL.test(extra) || extra.length > 64 ? '(unprintable)' : extra;
    return { ok: false, code: 'invalid_destination', field: `destination.${shown}`, reason: `is not a field of a ${m} destination` };
  }
  try {
    return { ok: true, value: normalise(m, raw) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, code: 'invalid_destination', field: `destination.${err.field}`, reason: err.reason };
    throw err;
  }
}

/** The canonical text of a normalised destination: the method and each field in a fixed order. */
export function canonicalDestination(d: Destination): string {
  const fields = DESTINATION_FIELDS[d.method] as readonly string[];
  const values = d.destination as unknown as Record<string, string>;
  return JSON.stringify([d.method, ...fields.map((f) => values[f])]);
}

/**
 * A keyed fingerprint (HMAC-SHA256, hex) of a normalised destination: equal for the same destination
 * however it was typed, different when any field differs, and meaningless without the key, so it can be
 * stored beside the ciphertext and compared to tell "new or changed" without decrypting.
 */
export function destinationFingerprint(key: string | Buffer, d: Destination): string {
  return createHmac('sha256', key).update(canonicalDestination(d)).digest('hex');
}

/** The last `keep` characters behind four stars: `****6789`. */
function tail(value: string, keep: number): string {
  return `****${value.slice(-keep)}`;
}

/** Initials only: `Thandi Nkosi` → `T*** N***`. */
function maskName(name: string): string {
  return name
    .split(' ')
    .map((w) => `${Array.from(w)[0] ?? ''}***`)
    .join(' ');
}

/** `+27821234567` → `+27*****4567`: the + and two digits, stars, the last four. */
export function maskPhone(phone: string): string {
  const hidden = Math.max(1, phone.length - 7);
  return `${phone.slice(0, 3)}${'*'.repeat(hidden)}${phone.slice(-4)}`;
}

/** `jane@example.com` → `j***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = Array.from(email.slice(0, at));
  // A one-letter local part is not shown: its first letter would be all of it.
  return `${local.length > 1 ? local[0] : ''}***${email.slice(at)}`;
}

/** The first 6 and last 4 characters of an address: `bc1qxy****0wlh`. */
export function maskAddress(address: string): string {
  return `${address.slice(0, 6)}****${address.slice(-4)}`;
}

/** The masked destination shown in responses (never the clear one): the same fields, sensitive ones masked. */
export function maskDestination(d: Destination): Record<string, string> {
  switch (d.method) {
    case 'bank_transfer':
      return {
        bank_name: d.destination.bank_name,
        account_holder: maskName(d.destination.account_holder),
        account_number: tail(d.destination.account_number, 4),
        branch_code: d.destination.branch_code,
      };
    case 'mobile_money':
      return { provider: d.destination.provider, phone_number: maskPhone(d.destination.phone_number) };
    case 'paypal':
      return { email: maskEmail(d.destination.email) };
    case 'crypto':
      return { network: d.destination.network, address: maskAddress(d.destination.address) };
  }
}
