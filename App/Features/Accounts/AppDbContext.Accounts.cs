using Microsoft.EntityFrameworkCore;
using Undb.Features.Accounts;

namespace Undb.Data;

public partial class AppDbContext
{
    public DbSet<ServerOwner> ServerOwners => Set<ServerOwner>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
}
