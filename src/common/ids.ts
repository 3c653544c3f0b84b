import { Injectable, PipeTransform } from '@nestjs/common';
import { ArgumentMetadata } from '@nestjs/common';
import { notFound } from './errors';

const ID = /^[1-9]\d{0,18}$/;

/** True when the value is an id as clients may send it: a positive integer, as number or string. */
export function isId(v: unknown): boolean {
  return (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) || (typeof v === 'string' && ID.test(v) && BigInt(v) <= 9223372036854775807n);
}

/**
 * Route ids: anything that is not a bigint id cannot name a record, so it is a 404 like any
 * unknown id (never a 500 from Postgres, never a hint about what exists).
 */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  transform(value: string, _meta: ArgumentMetadata): string {
    if (!isId(value)) throw notFound('record', value);
    return value;
  }
}
