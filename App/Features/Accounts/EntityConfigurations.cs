using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Undb.Features.Accounts;

internal sealed class ServerOwnerConfiguration : IEntityTypeConfiguration<ServerOwner>
{
    public void Configure(EntityTypeBuilder<ServerOwner> b)
    {
        b.ToTable("ServerOwner", t => t.HasCheckConstraint("CK_ServerOwner_One", $"\"Id\" = {ServerOwner.TheOne}"));
        b.HasKey(o => o.Id);
        // The key is the constraint: never generated, always the one value.
        b.Property(o => o.Id).ValueGeneratedNever();
        b.HasOne<AppUser>().WithMany().HasForeignKey(o => o.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> b)
    {
        b.HasKey(i => i.Id);
        b.HasIndex(i => i.TokenHash).IsUnique();
        b.Property(i => i.TokenHash).HasMaxLength(64);
        b.HasOne<AppUser>().WithMany().HasForeignKey(i => i.CreatedById).OnDelete(DeleteBehavior.Cascade);
    }
}
