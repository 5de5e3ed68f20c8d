using System.Collections.Concurrent;

namespace Undb.Data;

/// <summary>
/// A read-through cache by key, for hot reads outside a write transaction. Its owner drops entries when it hears of a
/// change (<see cref="Invalidate"/>, <see cref="Clear"/>), and every entry expires after <c>maxAge</c> in any case,
/// which bounds how long a change made elsewhere (another instance, a script) goes unseen. A load that overlaps an
/// invalidation is returned but not kept, so it cannot bring back what the invalidation dropped. Missing values
/// (null) are not kept. Values are shared between callers, who must not change them.
/// </summary>
public sealed class ReadThroughCache<TValue>(TimeProvider time, TimeSpan maxAge) where TValue : class
{
    private readonly ConcurrentDictionary<string, (TValue Value, DateTimeOffset LoadedAt)> _entries = new(StringComparer.Ordinal);
    private long _generation;

    public async Task<TValue?> GetAsync(string key, Func<CancellationToken, Task<TValue?>> load, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(key, out var entry) && now - entry.LoadedAt < maxAge)
        {
            return entry.Value;
        }
        var generation = Interlocked.Read(ref _generation);
        var value = await load(ct);
        if (value is null)
        {
            _entries.TryRemove(key, out _);
        }
        else if (Interlocked.Read(ref _generation) == generation)
        {
            _entries[key] = (value, now);
        }
        return value;
    }

    public void Invalidate(string key)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(key, out _);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}
