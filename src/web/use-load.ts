// Loading what a view shows: its value, its error, and a reload after a write.
import { useCallback, useEffect, useState } from 'react';

export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { value?: T; error?: Error; reload: () => void } {
  const [state, setState] = useState<{ value?: T; error?: Error }>({});
  const [round, setRound] = useState(0);
  useEffect(() => {
    // a reload keeps showing the value it replaces (and the form that asked for it); a view
    // for another thing is a new component (main's key is the route), so nothing stale shows
    let live = true;
    load().then(
      (value) => live && setState({ value }),
      (error: unknown) =>
        live && setState({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}
