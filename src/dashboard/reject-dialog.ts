// Asks for the reason of a rejection in a modal dialog (focus is kept inside it while open).

/** Resolves with the reason typed, or null when the dialog is cancelled. */
export function askRejectReason(stepId: string): Promise<string | null> {
  const dialog = document.getElementById('reject-dialog') as HTMLDialogElement;
  const form = document.getElementById('reject-form') as HTMLFormElement;
  const reason = document.getElementById('reject-reason') as HTMLTextAreaElement;
  const cancel = document.getElementById('reject-cancel') as HTMLButtonElement;
  const title = document.getElementById('reject-title')!;
  title.textContent = `Reject step ${stepId}`;
  reason.value = '';
  return new Promise((resolve) => {
    const finish = (value: string | null) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onSubmit = (event: SubmitEvent) => {
      event.preventDefault();
      const text = reason.value.trim();
      if (text) finish(text);
      else reason.reportValidity();
    };
    const onCancel = (event: Event) => {
      event.preventDefault();
      finish(null);
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    reason.focus();
  });
}
