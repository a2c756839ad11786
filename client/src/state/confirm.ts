import { createSignal } from 'solid-js';

export type ConfirmRequest = {
  title: string;
  /** What happens, in a sentence or two. */
  body: string;
  /** Named things the person should see before saying yes (e.g. open comments). */
  items?: string[];
  confirm: string;
  danger?: boolean;
};

type Pending = ConfirmRequest & { answer(yes: boolean): void };

const [pending, setPending] = createSignal<Pending | null>(null);

export { pending as confirmPending };

/** Asks the person in a dialog; resolves true on the confirm button, false on cancel or Esc. */
export function askConfirm(request: ConfirmRequest): Promise<boolean> {
  pending()?.answer(false);
  return new Promise((resolve) =>
    setPending({
      ...request,
      answer: (yes) => {
        setPending(null);
        resolve(yes);
      },
    }),
  );
}
