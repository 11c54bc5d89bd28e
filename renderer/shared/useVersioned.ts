import { useMemo } from 'react';

/**
 * What `compute` makes, made again only when `version` changes. For data that lives in a mutable store (a ref that
 * grows in place, such as a log's lines or a chart's points), where the store's object never changes and a count
 * or length in `version` says when its content did. Everywhere else, useMemo with its real dependencies.
 */
export function useVersioned<T>(compute: () => T, version: readonly unknown[]): T {
  // The one place the hook rule is set aside: `version` stands for the store's content, which the rule cannot see.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(compute, version);
}
