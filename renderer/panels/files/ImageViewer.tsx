import { useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { Services } from '../../platform/services';
import { readFileBlob } from './download';

/**
 * An image file in a tab: its bytes come through the contract and are shown from a blob: URL (the page's CSP allows
 * no other source), SVG included: an <img> never runs an SVG's scripts.
 */
export function ImageViewer({ services, path }: { services: Services; path: string }) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<string>();
  const [size, setSize] = useState<{ w: number; h: number; bytes: number }>();
  useEffect(() => {
    let made: string | undefined;
    let gone = false;
    void readFileBlob(services, path).then(
      (blob) => {
        if (gone) return;
        made = URL.createObjectURL(blob);
        setUrl(made);
        setSize((s) => ({ w: s?.w ?? 0, h: s?.h ?? 0, bytes: blob.size }));
      },
      (err: unknown) => setError(isAppError(err) ? err.message : String(err)),
    );
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [services, path]);
  if (error) return <div className="empty" role="alert">{error}</div>;
  return (
    <div className="image-viewer">
      {url ? <img src={url} alt={path} onLoad={(e) => setSize((s) => ({ bytes: s?.bytes ?? 0, w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight }))} /> : <p className="muted">Opening {path}…</p>}
      {size && size.w > 0 && <p className="muted image-info">{`${size.w} × ${size.h} px, ${(size.bytes / 1024).toFixed(1)} KB`}</p>}
    </div>
  );
}
