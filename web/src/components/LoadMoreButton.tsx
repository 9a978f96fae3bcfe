/** The foot of a cursor-paged list: a button for the next page while there is one. */
export interface LoadMoreButtonProps {
  hasMore: boolean;
  loading: boolean;
  onLoadMore(): void;
  label: string;
  loadingLabel: string;
}

export function LoadMoreButton({ hasMore, loading, onLoadMore, label, loadingLabel }: LoadMoreButtonProps) {
  if (!hasMore) return null;
  return (
    <p className="load-more">
      <button type="button" className="button secondary" onClick={onLoadMore} disabled={loading} aria-busy={loading}>
        {loading ? loadingLabel : label}
      </button>
    </p>
  );
}
