package io.chargebot.sdk;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One page of a list call: its items and the token of the next page.
 *
 * <pre>{@code
 * Page<ParkingLot> page = client.parking().listNearby(37.5665, 126.9780, 3000, 20);
 * show(page.items());
 * if (page.hasNext()) {
 *     Page<ParkingLot> more = page.next(); // or listNearby(..., page.nextPageToken())
 * }
 * }</pre>
 *
 * @param <T> the type of the items
 */
public final class Page<T> {

    /** Fetches the page with a given token, for {@link #next()}. */
    interface Fetcher<T> {
        Page<T> fetch(String pageToken);
    }

    private final List<T> items;
    private final String nextPageToken;
    private final Fetcher<T> fetcher;

    Page(List<T> items, String nextPageToken, Fetcher<T> fetcher) {
        this.items = Collections.unmodifiableList(requireNonNull(items, "items"));
        this.nextPageToken = requireNonNull(nextPageToken, "nextPageToken");
        this.fetcher = requireNonNull(fetcher, "fetcher");
    }

    /** The items of this page, in the server's order. */
    public List<T> items() {
        return items;
    }

    /** The token of the next page, or {@code ""} when this is the last page. */
    public String nextPageToken() {
        return nextPageToken;
    }

    /** Whether there is a page after this one. */
    public boolean hasNext() {
        return !nextPageToken.isEmpty();
    }

    /**
     * Fetches the next page (a blocking call to the server).
     *
     * @throws NoSuchElementException if this is the last page
     * @throws ChargeBotException if the call fails
     */
    public Page<T> next() {
        if (!hasNext()) {
            throw new NoSuchElementException("This is the last page");
        }
        return fetcher.fetch(nextPageToken);
    }

    /**
     * The items of this page and of all the pages after it. Each further page is fetched (a blocking
     * call) when the iteration reaches it; a failed call surfaces as a {@link ChargeBotException}
     * from {@link Iterator#hasNext()}.
     */
    public Iterable<T> iterateAll() {
        return new Iterable<T>() {
            @Override
            public Iterator<T> iterator() {
                return new AllItemsIterator<>(Page.this);
            }
        };
    }

    @Override
    public String toString() {
        return "Page{items=" + items.size() + ", nextPageToken=" + (hasNext() ? "<set>" : "<none>") + '}';
    }

    private static final class AllItemsIterator<T> implements Iterator<T> {

        private Page<T> page;
        private Iterator<T> items;

        AllItemsIterator(Page<T> first) {
            page = first;
            items = first.items.iterator();
        }

        @Override
        public boolean hasNext() {
            // Loop: a page other than the last may, in principle, be empty.
            while (!items.hasNext() && page.hasNext()) {
                page = page.next();
                items = page.items.iterator();
            }
            return items.hasNext();
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return items.next();
        }
    }
}
