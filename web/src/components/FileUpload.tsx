/** Pick a file and upload it, with a progress bar while it is sent. */
import { type FormEvent, useState } from "react";

import type { UploadProgress } from "../api/upload";
import { FormField } from "./FormField";
import { ProgressBar } from "./ProgressBar";

export interface FileUploadProps {
  label: string;
  hint?: string;
  /** `accept` of the file input, e.g. ".csv,text/csv". */
  accept: string;
  submitLabel: string;
  progressLabel: string;
  /** Sends the file, calling `onProgress` as it goes; the component shows the progress. */
  upload: (file: File, onProgress: (progress: UploadProgress) => void) => Promise<void>;
  /** The message shown when the upload failed (the error from `upload`). */
  describeError: (error: unknown) => string;
}

export function FileUpload({ label, hint, accept, submitLabel, progressLabel, upload, describeError }: FileUploadProps) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (file === null || busy) return;
    setBusy(true);
    setError(null);
    setProgress(0);
    try {
      await upload(file, ({ loaded, total }) => setProgress(total > 0 ? loaded / total : null));
      setProgress(1);
    } catch (caught) {
      setError(describeError(caught));
      setProgress(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="file-upload" onSubmit={submit}>
      <FormField label={label} {...(hint !== undefined ? { hint } : {})} error={error}>
        {(control) => <input {...control} type="file" accept={accept} disabled={busy} onChange={(event) => setFile(event.target.files?.[0] ?? null)} />}
      </FormField>
      <button type="submit" className="button" disabled={file === null || busy} aria-busy={busy}>
        {submitLabel}
      </button>
      {progress !== null && <ProgressBar label={progressLabel} value={progress} />}
    </form>
  );
}
