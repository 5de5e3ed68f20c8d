namespace Undb.Realtime;

/// <summary>
/// Carries committed events between app instances, so a change made through one shows live on every other (grids,
/// history pages, cards) and every instance's caches forget what it changed. One process alone needs none
/// (<see cref="LocalOnlyBackplane"/>); on PostgreSQL the events travel over <c>LISTEN/NOTIFY</c>.
/// A backplane delivers each instance's messages to the others, never back to the sender, at most once: an instance
/// that was disconnected for a moment has missed what was sent meanwhile; the caches fed by these events keep entries
/// for seconds only (<c>MaxAge</c>), and writes read the schema from the database, never from a cache.
/// </summary>
public interface INotifierBackplane
{
    /// <summary>Sends a message on a topic to the other instances; never blocks, never throws.</summary>
    void Send(string topic, string message);

    /// <summary>Calls <paramref name="onMessage"/> for each message another instance sends on the topic.</summary>
    IDisposable Listen(string topic, Action<string> onMessage);
}

/// <summary>A single instance: nothing to carry.</summary>
public sealed class LocalOnlyBackplane : INotifierBackplane
{
    public static readonly LocalOnlyBackplane Instance = new();

    public void Send(string topic, string message)
    {
    }

    public IDisposable Listen(string topic, Action<string> onMessage) => NoSubscription.Instance;

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}
