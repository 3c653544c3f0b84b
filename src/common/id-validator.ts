import { ValidateBy, ValidationOptions } from 'class-validator';
import { isId } from './ids';

/** A body id: a positive integer sent as a JSON number or a decimal string (API.md §1). */
export function IsWireId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWireId',
      validator: { validate: (v) => isId(v), defaultMessage: () => '$property must be an id (a positive integer, as a number or a string)' },
    },
    options,
  );
}
