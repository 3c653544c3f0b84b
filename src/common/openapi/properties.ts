import { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';

/**
 * Property decorators for the conventions of API.md §1, so every response class says them the
 * same way: string ids, ISO timestamps, money twice ("$5.00" and 500), `object` type names.
 * Every example is a value seen in a real response (docs/walkthrough.md).
 */

/** `"object": "Guild"`: the wire object's type name, a one-value enum (a literal type in the SDK). */
export const ObjectName = (name: string) => ApiProperty({ enum: [name], example: name, description: `always "${name}"` });

/** An id: a string of a decimal integer ("1", not 1). */
export const WireId = (opts: Omit<ApiPropertyOptions, 'type'> = {}) =>
  ApiProperty({ type: String, pattern: '^[1-9][0-9]*$', example: '1', ...opts } as ApiPropertyOptions);

/** A nullable id. */
export const WireIdOrNull = (opts: Omit<ApiPropertyOptions, 'type'> = {}) =>
  ApiProperty({ type: String, pattern: '^[1-9][0-9]*$', nullable: true, example: '1', ...opts } as ApiPropertyOptions);

/** `created` / `updated`: ISO-8601 UTC with milliseconds. */
export const Timestamp = (opts: Omit<ApiPropertyOptions, 'type'> = {}) =>
  ApiProperty({ type: String, format: 'date-time', example: '2026-11-23T07:21:53.408Z', ...opts } as ApiPropertyOptions);

/** The text half of an amount: "$5.00", "-$12.34", "$1,200.00". */
export const MoneyText = (example: string, description?: string) =>
  ApiProperty({ type: String, pattern: '^-?\\$[0-9]{1,3}(,[0-9]{3})*\\.[0-9]{2}$', example, ...(description ? { description } : {}) });

/** The integer half of an amount, in cents. */
export const Cents = (example: number, description?: string) =>
  ApiProperty({ type: 'integer', example, ...(description ? { description } : {}) });

/** A free-form object of datum parameters (keys chosen by the requester and the workers). */
export const Parameters = (opts: Omit<ApiPropertyOptions, 'type'> = {}) =>
  ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { audio_url: 'https://example.com/a.mp3', checked_by: 'worker' },
    ...opts,
  } as ApiPropertyOptions);

export interface WireListOf<T> {
  object: 'List';
  url: string;
  has_more: boolean;
  page: number;
  data: T[];
}

const lists = new Map<Type<unknown>, Type<unknown>>();

/**
 * The List wrapper of API.md §1.1 around `model`, as a response class named `<Model>List`
 * (one per model, so each list is one named schema in the document and in the SDK).
 */
export function ListOf<T>(model: Type<T>, exampleUrl = '/api/…'): Type<WireListOf<T>> {
  const known = lists.get(model);
  if (known) return known as Type<WireListOf<T>>;
  class List {
    @ObjectName('List') object: 'List';
    @ApiProperty({ type: String, description: 'the path of the collection', example: exampleUrl }) url: string;
    @ApiProperty({ type: Boolean, description: 'true when a later page (or the cursor after the last item) has more', example: false }) has_more: boolean;
    @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) page: number;
    @ApiProperty({ type: () => [model] }) data: T[];
  }
  Object.defineProperty(List, 'name', { value: `${model.name}List` });
  lists.set(model, List);
  return List as Type<WireListOf<T>>;
}

/** `{"object": X, "id": "1", "deleted": true}`, the answer of the DELETE routes. */
export function DeletedOf(objectName: string): Type<{ object: string; id: string; deleted: true }> {
  class Deleted {
    @ObjectName(objectName) object: string;
    @WireId() id: string;
    @ApiProperty({ enum: [true], type: Boolean, example: true }) deleted: true;
  }
  Object.defineProperty(Deleted, 'name', { value: `Deleted${objectName}` });
  return Deleted;
}
