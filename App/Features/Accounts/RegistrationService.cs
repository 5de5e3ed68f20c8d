using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Undb.Data;

namespace Undb.Features.Accounts;

/// <summary>
/// Who may register: the first user always; others only when <c>Accounts:OpenRegistration</c> is on (as viewers), or
/// with an invitation (<see cref="MemberService.AcceptAsync"/>). The first user owns the server (<see cref="ServerOwner"/>,
/// role owner), and there is exactly one, however many register at the same moment.
/// </summary>
public sealed class RegistrationService(UserManager<AppUser> userManager, AppDbContext db, DataWriter writer, IOptions<AccountsOptions> options, TimeProvider time)
{
    private static readonly IdentityError Closed = new()
    {
        Code = "RegistrationClosed",
        Description = "Registration is closed on this server. Ask an administrator for an account.",
    };

    public async Task<bool> IsOpenAsync(CancellationToken ct = default) =>
        options.Value.OpenRegistration || !await userManager.Users.AnyAsync(ct);

    /// <summary>The user id of the server's owner, or null before anyone registered.</summary>
    public Task<string?> OwnerIdAsync(CancellationToken ct = default) =>
        db.ServerOwners.AsNoTracking().Select(o => o.UserId).FirstOrDefaultAsync(ct);

    public async Task<IdentityResult> RegisterAsync(string email, string password, CancellationToken ct = default)
    {
        if (!await IsOpenAsync(ct))
        {
            return IdentityResult.Failed(Closed);
        }
        var user = new AppUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
        // The password is checked and hashed first (slow, on purpose), so the write stays short.
        var passwordCheck = await CheckPasswordAsync(user, password);
        if (!passwordCheck.Succeeded)
        {
            return passwordCheck;
        }
        user.PasswordHash = userManager.PasswordHasher.HashPassword(user, password);
        if (options.Value.OpenRegistration)
        {
            return await writer.WriteAsync(db, WriteKind.Change, async _ =>
            {
                // Open registration makes viewers; the very first user is the owner.
                var created = await userManager.CreateAsync(user);
                if (created.Succeeded && await ServerOwnership.TryClaimAsync(db, user.Id, time.GetUtcNow(), ct))
                {
                    user.Role = Role.Owner;
                    await db.SaveChangesAsync(ct);
                }
                return created;
            }, ct);
        }

        // Several people may have seen the empty server at once: the user and the owner row commit together, and the
        // owner row's fixed primary key lets only one of them commit. On SQLite writers take turns, so the second sees
        // the owner; on a server database the loser fails on the key. Either way the loser's user is rolled back.
        try
        {
            return await writer.WriteAsync(db, WriteKind.Change, async _ =>
            {
                if (await db.ServerOwners.AnyAsync(ct))
                {
                    return IdentityResult.Failed(Closed);
                }
                user.Role = Role.Owner;
                var result = await userManager.CreateAsync(user);
                if (result.Succeeded)
                {
                    db.ServerOwners.Add(new ServerOwner { UserId = user.Id, ClaimedAt = time.GetUtcNow() });
                    await db.SaveChangesAsync(ct);
                }
                return result;
            }, ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.ServerOwners.AnyAsync(ct))
            {
                return IdentityResult.Failed(Closed);
            }
            throw;
        }
    }

    private async Task<IdentityResult> CheckPasswordAsync(AppUser user, string password)
    {
        var errors = new List<IdentityError>();
        foreach (var validator in userManager.PasswordValidators)
        {
            var check = await validator.ValidateAsync(userManager, user, password);
            errors.AddRange(check.Errors);
        }
        return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
    }
}

/// <summary>Claims the server for a user when nobody owns it yet; a lost race is not an error.</summary>
public static class ServerOwnership
{
    public static async Task<bool> TryClaimAsync(AppDbContext db, string userId, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.ServerOwners.AnyAsync(ct))
        {
            return false;
        }
        var claim = db.ServerOwners.Add(new ServerOwner { UserId = userId, ClaimedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            // Someone else's claim committed first (the fixed key refused this one).
            claim.State = EntityState.Detached;
            return false;
        }
    }
}
