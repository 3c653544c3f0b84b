import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import { ErrorDetail, invalid } from './errors';

function flatten(errors: ValidationError[], prefix: string, out: ErrorDetail[]): ErrorDetail[] {
  for (const e of errors) {
    const field = prefix ? (/^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) {
      out.push({ field, message: rule === 'whitelistValidation' ? 'is not a permitted field' : message.replace(/^\S+ /, '') });
    }
    if (e.children?.length) flatten(e.children, field, out);
  }
  return out;
}

/**
 * DTO validation for every route: unknown fields are rejected (not silently dropped), and every
 * failure is one 422 listing each field with its message.
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors, '', []);
      const first = details[0];
      return invalid(first ? `${first.field} ${first.message}` : 'Invalid parameters', details);
    },
  });
}

/**
 * For PATCH fields that may be left out but not set to null: `@IsOptional()` also skips
 * validation for null, which then reached the service as a value (`null.trim()` → 500).
 * With this, a null is validated like any value and fails with a 422.
 */
export const OptionalNotNull = () => ValidateIf((_o, v) => v !== undefined);
