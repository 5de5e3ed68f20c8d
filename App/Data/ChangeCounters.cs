namespace Undb.Data;

/// <summary>
/// A named count of changes, one row per name (<c>ChangeCounters</c>). A reader that keeps what it read between
/// transactions reads the count in a query it makes anyway and keeps its copy only while the count stands; whoever
/// changes what it read counts the change in the same transaction (<see cref="Count"/>). Unlike a message between
/// instances, the count cannot arrive late: a transaction that sees a change's rows sees its count too.
/// </summary>
public sealed class ChangeCounterEntity
{
    public required string Name { get; set; }

    public long Value { get; set; }
}

public static class ChangeCounters
{
    private static readonly string[] Sums = [nameof(ChangeCounterEntity.Value)];

    /// <summary>
    /// Adds one to the count <paramref name="name"/> when the session's write commits: an upsert sent with the
    /// transaction's rows, so it costs no round trip of its own.
    /// </summary>
    public static void Count(WriteSession session, string name) =>
        session.Rows.DeferAddTo(new ChangeCounterEntity { Name = name, Value = 1 }, Sums, []);
}
