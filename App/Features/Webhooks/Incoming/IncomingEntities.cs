using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Incoming;

/// <summary>An incoming webhook: a URL on one table; only its API key's hash and a masked hint are stored.</summary>
public sealed class IncomingWebhookEntity
{
    public const string IdPrefix = "uwh";

    public string Id { get; set; } = Data.Ids.New(IdPrefix);
    public required string TableId { get; set; }
    public required string Name { get; set; }
    public bool Enabled { get; set; } = true;
    public required string KeyHash { get; set; }
    /// <summary><c>uwk_abcd…wxyz</c>, so users can tell keys apart after the key itself is gone.</summary>
    public required string KeyMasked { get; set; }
    /// <summary>The mapping as JSON: <c>{"recordsPath":…,"fields":{"fld_…":"$.path"}}</c>, keyed by field id so renames keep it.</summary>
    public string Mapping { get; set; } = "{}";
    /// <summary>
    /// How a sender's signature is checked, as JSON (<see cref="StoredVerification"/>: scheme, the secret encrypted with
    /// Data Protection, its mask); null when only the API key authenticates.
    /// </summary>
    public string? Verification { get; set; }
    public long Received { get; set; }
    public long Accepted { get; set; }
    public long Rejected { get; set; }
    public DateTimeOffset? LastReceivedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedById { get; set; }
}

/// <summary>
/// One app instance's share of an incoming webhook's stats. Each instance adds to its own row, so the writes of several
/// instances never queue on one row's lock; a webhook's stats are its own columns (what was counted before shares
/// existed) plus the sum of its shares (<see cref="IncomingWebhookService"/>).
/// </summary>
public sealed class IncomingWebhookCounterEntity
{
    public required string WebhookId { get; set; }
    /// <summary>The instance's name (<c>Webhooks:InstanceId</c>, or the machine's name).</summary>
    public required string Instance { get; set; }
    public long Received { get; set; }
    public long Accepted { get; set; }
    public long Rejected { get; set; }
    public DateTimeOffset? LastReceivedAt { get; set; }
}

/// <summary>One request to an incoming webhook, kept for the request log (pruned by the retention options).</summary>
public sealed class IncomingRequestEntity
{
    public const string IdPrefix = "uwr";

    public string Id { get; set; } = Data.Ids.New(IdPrefix);
    public required string WebhookId { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public int Status { get; set; }
    public long Size { get; set; }
    /// <summary>JSON array of the created record ids.</summary>
    public string RecordIds { get; set; } = "[]";
    public string? Error { get; set; }
    /// <summary>The body as received; null when it was not accepted for reading (unauthenticated, too large, not JSON).</summary>
    public string? Payload { get; set; }
    /// <summary>True for a replay from the log rather than a request from a sender.</summary>
    public bool Replay { get; set; }
}

/// <summary>
/// A claimed <c>Idempotency-Key</c>/<c>webhook-id</c>: inserted before the records are written (the primary key makes
/// a concurrent duplicate fail), completed with the answer, or removed when the request was rejected so a retry may succeed.
/// </summary>
public sealed class IncomingIdempotencyEntity
{
    public required string WebhookId { get; set; }
    public required string Key { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Null while the first request is still being processed.</summary>
    public int? Status { get; set; }
    public string? Response { get; set; }
}

internal sealed class IncomingWebhookConfiguration : IEntityTypeConfiguration<IncomingWebhookEntity>
{
    public void Configure(EntityTypeBuilder<IncomingWebhookEntity> b)
    {
        b.ToTable("IncomingWebhooks");
        b.HasKey(w => w.Id);
        b.Property(w => w.Name).HasMaxLength(200);
        b.HasOne<TableEntity>().WithMany().HasForeignKey(w => w.TableId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(w => w.TableId);
    }
}

internal sealed class IncomingWebhookCounterConfiguration : IEntityTypeConfiguration<IncomingWebhookCounterEntity>
{
    public void Configure(EntityTypeBuilder<IncomingWebhookCounterEntity> b)
    {
        b.ToTable("IncomingWebhookCounters");
        b.HasKey(c => new { c.WebhookId, c.Instance });
        b.Property(c => c.Instance).HasMaxLength(100);
        b.HasOne<IncomingWebhookEntity>().WithMany().HasForeignKey(c => c.WebhookId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IncomingRequestConfiguration : IEntityTypeConfiguration<IncomingRequestEntity>
{
    public void Configure(EntityTypeBuilder<IncomingRequestEntity> b)
    {
        b.ToTable("IncomingRequests");
        b.HasKey(r => r.Id);
        b.HasOne<IncomingWebhookEntity>().WithMany().HasForeignKey(r => r.WebhookId).OnDelete(DeleteBehavior.Cascade);
        // Ids are time-ordered: (WebhookId, Id) lists the log newest first and finds what retention drops.
        b.HasIndex(r => new { r.WebhookId, r.Id });
    }
}

internal sealed class IncomingIdempotencyConfiguration : IEntityTypeConfiguration<IncomingIdempotencyEntity>
{
    public void Configure(EntityTypeBuilder<IncomingIdempotencyEntity> b)
    {
        b.ToTable("IncomingIdempotencyKeys");
        b.HasKey(k => new { k.WebhookId, k.Key });
        b.Property(k => k.Key).HasMaxLength(IncomingWebhooksOptions.MaxIdempotencyKeyLength);
        b.HasOne<IncomingWebhookEntity>().WithMany().HasForeignKey(k => k.WebhookId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(k => k.CreatedAt);
    }
}
