namespace Undb.Features.Tables;

/// <summary>
/// Something outside the records that refers to a field by id: an outbound webhook's condition, an incoming webhook's
/// mapping. <see cref="Kind"/> is <c>webhook</c> or <c>incomingWebhook</c>; <see cref="Use"/> says how it uses the field.
/// </summary>
public sealed record FieldUsage(string Kind, string Id, string Name, string Use)
{
    public string Describe() => $"{(Kind == FieldUsages.IncomingWebhook ? "Incoming webhook" : "Webhook")} \"{Name}\" ({Use})";
}

/// <summary>A feature that keeps field ids reports where, so deleting a field can say what it affects first.</summary>
public interface IFieldUsageSource
{
    Task<IReadOnlyList<FieldUsage>> FindAsync(string tableId, string fieldId, CancellationToken ct);
}

/// <summary>Everything that uses a field, from every feature that registered an <see cref="IFieldUsageSource"/>.</summary>
public sealed class FieldUsages(IEnumerable<IFieldUsageSource> sources)
{
    public const string Webhook = "webhook";
    public const string IncomingWebhook = "incomingWebhook";

    public async Task<IReadOnlyList<FieldUsage>> FindAsync(string tableId, string fieldId, CancellationToken ct = default)
    {
        var all = new List<FieldUsage>();
        foreach (var source in sources)
        {
            all.AddRange(await source.FindAsync(tableId, fieldId, ct));
        }
        return all;
    }
}
