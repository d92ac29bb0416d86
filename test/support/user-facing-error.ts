/**
 * Test helper for code that reports bad input with a {@link UserFacingError}.
 */
import { UserFacingError } from '../../src/errors.js';

/** The UserFacingError `fn` throws; rethrows any other error, and fails when nothing is thrown. */
export function errorOf(fn: () => unknown): UserFacingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserFacingError) return err;
    throw err;
  }
  throw new Error('expected a UserFacingError');
}
