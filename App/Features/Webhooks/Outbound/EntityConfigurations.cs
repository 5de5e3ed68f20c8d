using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Undb.Features.Tables;

namespace Undb.Features.Webhooks.Outbound;

internal sealed class WebhookConfiguration : IEntityTypeConfiguration<WebhookEntity>
{
    public void Configure(EntityTypeBuilder<WebhookEntity> b)
    {
        b.ToTable("Webhooks");
        b.HasKey(w => w.Id);
        b.HasOne<TableEntity>().WithMany().HasForeignKey(w => w.TableId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(w => w.TableId);
        b.Property(w => w.Name).HasMaxLength(WebhookRules.MaxNameLength);
        b.Property(w => w.Url).HasMaxLength(WebhookRules.MaxUrlLength);
        b.Property(w => w.Method).HasMaxLength(8);
        b.Property(w => w.ContentType).HasMaxLength(8).HasDefaultValue(Templates.PayloadContentTypes.Json);
        b.Property(w => w.Events).HasConversion(JsonColumn.Converter<List<string>>(), JsonColumn.Comparer<List<string>>());
        b.Property(w => w.Headers).HasConversion(JsonColumn.Converter<Dictionary<string, string>>(), JsonColumn.Comparer<Dictionary<string, string>>());
        // Rows from before workspace webhooks read as an empty list.
        b.Property(w => w.ExcludedTableIds).HasConversion(JsonColumn.Converter<List<string>>(), JsonColumn.Comparer<List<string>>()).HasDefaultValueSql("'[]'");
    }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<DeliveryEntity>
{
    public void Configure(EntityTypeBuilder<DeliveryEntity> b)
    {
        b.ToTable("Deliveries");
        b.HasKey(d => d.Id);
        b.HasOne<WebhookEntity>().WithMany().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
        b.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(d => d.EventName).HasMaxLength(64);
        b.Property(d => d.TraceParent).HasMaxLength(64);
        // The sweeper's query: due or lease-expired deliveries.
        b.HasIndex(d => new { d.Status, d.NextAttemptAt });
        // The history page: one webhook's deliveries, newest first (ids are time-ordered).
        b.HasIndex(d => new { d.WebhookId, d.Id });
        b.HasIndex(d => new { d.WebhookId, d.RecordId });
        // Ordered delivery: the head of one webhook's line (lowest sequence still pending or in flight). Status before
        // Sequence, so finding the head reads only the outstanding few, not the whole history; partial, so unordered
        // deliveries (the hot path) do not maintain it. Queries must test Sequence IS NOT NULL to use it.
        b.HasIndex(d => new { d.WebhookId, d.Status, d.Sequence }, "IX_Deliveries_Ordered").HasFilter("\"Sequence\" IS NOT NULL");
        // Held deliveries of one webhook in commit order, for counting, resuming and capping them. Partial, so the
        // outbox insert of a delivery that is not held (the hot path) does not maintain it; queries must compare
        // Status with the constant Held for the database to use it.
        b.HasIndex(d => new { d.WebhookId, d.Id }, "IX_Deliveries_Held").HasFilter("\"Status\" = 'Held'");
    }
}

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttemptEntity>
{
    public void Configure(EntityTypeBuilder<DeliveryAttemptEntity> b)
    {
        b.ToTable("DeliveryAttempts");
        b.HasKey(a => a.Id);
        b.HasOne<DeliveryEntity>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(a => new { a.DeliveryId, a.Number });
        b.Property(a => a.Trigger).HasConversion<string>().HasMaxLength(16);
        b.Property(a => a.RequestHeaders).HasConversion(JsonColumn.Converter<Dictionary<string, string>>(), JsonColumn.Comparer<Dictionary<string, string>>());
        b.Property(a => a.ResponseHeaders).HasConversion(JsonColumn.Converter<Dictionary<string, string>>(), JsonColumn.Comparer<Dictionary<string, string>>());
    }
}

/// <summary>Small collections stored as a JSON text column, compared by content so EF notices in-place edits.</summary>
internal static class JsonColumn
{
    public static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Converter<T>() where T : new() =>
        new(v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default), v => JsonSerializer.Deserialize<T>(v, JsonSerializerOptions.Default) ?? new T());

    public static ValueComparer<T> Comparer<T>() where T : class, new() =>
        new((a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Default) == JsonSerializer.Serialize(b, JsonSerializerOptions.Default),
            v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default).GetHashCode(),
            v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, JsonSerializerOptions.Default), JsonSerializerOptions.Default)!);
}
