// Loading one thing for a view: its value, its error, and a reload after a write.
import { useCallback, useEffect, useState } from 'react';

export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { value?: T; error?: Error; reload: () => void } {
  const [state, setState] = useState<{ value?: T; error?: Error }>({});
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState({});
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
