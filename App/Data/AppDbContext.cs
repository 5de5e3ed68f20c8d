using System.Text.Json;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Undb.Features.Accounts;
using Undb.Features.Tables;

namespace Undb.Data;

/// <summary>
/// The app's model. Features that own more entities add their DbSets in a partial class file in their own folder and
/// their mapping as IEntityTypeConfiguration classes. Each engine has its own derived context
/// (<see cref="Sqlite.SqliteAppDbContext"/>, <see cref="Postgres.PostgresAppDbContext"/>) that carries its migrations;
/// features only ever see this type.
/// </summary>
public partial class AppDbContext : IdentityDbContext<AppUser>
{
    public AppDbContext(DbContextOptions<AppDbContext> options)
        : base(options)
    {
    }

    protected AppDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>The row writer of the write session running on this context, whose deferred rows go before any command (<see cref="DeferredRowsInterceptor"/>).</summary>
    internal RowWriter? DeferredRows { get; set; }

    public DbSet<TableEntity> Tables => Set<TableEntity>();
    public DbSet<FieldEntity> Fields => Set<FieldEntity>();
    public DbSet<RecordEntity> Records => Set<RecordEntity>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ChangeCounterEntity> ChangeCounters => Set<ChangeCounterEntity>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        ProviderConventions.Configure(configurationBuilder, Database);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        ProviderConventions.MapFunctions(builder, Database);

        builder.Entity<TableEntity>(b =>
        {
            b.HasKey(t => t.Id);
            b.Property(t => t.Name).HasMaxLength(200);
            b.HasMany(t => t.Fields).WithOne().HasForeignKey(f => f.TableId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<FieldEntity>(b =>
        {
            b.HasKey(f => f.Id);
            b.Property(f => f.Name).HasMaxLength(200);
            b.Property(f => f.Type).HasConversion(t => t.ToApiName(), s => ParseType(s)).HasMaxLength(32);
            b.Property(f => f.Choices).HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<List<string>>(v, JsonSerializerOptions.Default) ?? new List<string>(),
                new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode())), v => v.ToList()));
            b.HasIndex(f => new { f.TableId, f.Order });
        });

        builder.Entity<RecordEntity>(b =>
        {
            b.HasKey(r => r.Id);
            b.HasOne<TableEntity>().WithMany().HasForeignKey(r => r.TableId).OnDelete(DeleteBehavior.Cascade);
            // Ids are time-ordered, so (TableId, Id) pages records in creation order.
            b.HasIndex(r => new { r.TableId, r.Id });
            b.HasIndex(r => new { r.TableId, r.UpdatedAt });
        });

        builder.Entity<ApiToken>(b =>
        {
            b.HasKey(t => t.Id);
            b.HasIndex(t => t.Hash).IsUnique();
            b.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
            b.Property(t => t.Name).HasMaxLength(100);
        });

        builder.Entity<ChangeCounterEntity>(b =>
        {
            b.HasKey(c => c.Name);
            b.Property(c => c.Name).HasMaxLength(64);
        });

        // Features that own more entities (webhooks, …) ship IEntityTypeConfiguration classes.
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }

    private static FieldType ParseType(string s) =>
        FieldTypes.TryParse(s, out var t) ? t : throw new InvalidOperationException($"Unknown field type '{s}' in the database.");
}
