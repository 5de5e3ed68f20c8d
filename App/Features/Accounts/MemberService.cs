using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Undb.Data;
using Undb.Features.Tables;

namespace Undb.Features.Accounts;

public sealed record MemberInfo(string Id, string Email, Role Role, DateTimeOffset JoinedAt, DateTimeOffset? LastActiveAt, int Tokens);

public sealed record InvitationInfo(string Id, Role Role, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? AcceptedAt, DateTimeOffset? RevokedAt)
{
    public bool Pending(DateTimeOffset now) => AcceptedAt is null && RevokedAt is null && ExpiresAt > now;
}

/// <summary>A new invitation: its link token is returned once, only its hash is stored.</summary>
public sealed record NewInvitation(InvitationInfo Info, string Token)
{
    public string Path => "invite/" + Token;
}

/// <summary>
/// Members and invitations. Role checks of the caller are the endpoints' and pages' (<see cref="Permission"/>); this
/// keeps what must hold whoever calls: nobody grants more than they have, the last owner stays, a link works once.
/// Every change is announced through <see cref="MemberNotifier"/>, so every instance stops trusting the old role at once.
/// </summary>
public sealed class MemberService(
    IDbContextFactory<AppDbContext> dbFactory,
    DataWriter writer,
    MemberNotifier notifier,
    ApiTokenService tokens,
    TimeProvider time)
{
    public const string InvitationPrefix = "inv_";
    public static readonly TimeSpan DefaultInvitationLifetime = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxInvitationLifetime = TimeSpan.FromDays(90);

    public async Task<IReadOnlyList<MemberInfo>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().Where(u => u.RemovedAt == null)
            .Select(u => new { u.Id, Email = u.Email ?? u.UserName ?? u.Id, u.Role, u.CreatedAt, u.LastActiveAt }).ToListAsync(ct);
        var counts = await tokens.CountByUserAsync(ct);
        return users.OrderByDescending(u => u.Role).ThenBy(u => u.Email, StringComparer.OrdinalIgnoreCase)
            .Select(u => new MemberInfo(u.Id, u.Email, u.Role, u.CreatedAt, u.LastActiveAt, counts.GetValueOrDefault(u.Id))).ToList();
    }

    /// <summary>Changes a member's role. The last owner cannot be demoted (409).</summary>
    public async Task<MemberInfo> ChangeRoleAsync(string userId, Role role, CancellationToken ct = default)
    {
        CheckRole(role);
        await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            var user = await ActiveMemberAsync(db, userId, ct);
            if (user.Role == Role.Owner && role != Role.Owner)
            {
                await EnsureAnotherOwnerAsync(db, userId, "demoted", ct);
            }
            user.Role = role;
            await db.SaveChangesAsync(ct);
        }, ct);
        notifier.Publish(new MemberChange(userId));
        return (await ListAsync(ct)).Single(m => m.Id == userId);
    }

    /// <summary>
    /// Removes a member: their API tokens are revoked, their security stamp changes, and every instance drops them, so
    /// their sessions and tokens stop working at once. Their records keep their name. The last owner cannot leave (409).
    /// </summary>
    public async Task RemoveAsync(string userId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await writer.WriteAsync(async session =>
        {
            var db = session.Db;
            var user = await ActiveMemberAsync(db, userId, ct);
            if (user.Role == Role.Owner)
            {
                await EnsureAnotherOwnerAsync(db, userId, "removed", ct);
            }
            user.RemovedAt = now;
            user.SecurityStamp = Guid.NewGuid().ToString();
            await db.SaveChangesAsync(ct);
            await ApiTokenService.RevokeAllAsync(db, userId, now, ct);
        }, ct);
        notifier.Publish(new MemberChange(userId));
    }

    public async Task<NewInvitation> InviteAsync(string inviterId, Role inviterRole, Role role, TimeSpan? lifetime = null, CancellationToken ct = default)
    {
        CheckRole(role);
        if (role == Role.Owner ? !inviterRole.Allows(Permission.ManageMembers) : !inviterRole.Allows(Permission.InviteMembers) || role > inviterRole)
        {
            throw new ForbiddenException($"A {inviterRole.ToApiName()} cannot invite an {role.ToApiName()}.");
        }
        var life = lifetime ?? DefaultInvitationLifetime;
        if (life <= TimeSpan.Zero || life > MaxInvitationLifetime)
        {
            throw new BadRequestException($"An invitation lasts between 1 hour and {MaxInvitationLifetime.TotalHours:0} hours.",
                new Dictionary<string, string[]> { ["expiresInHours"] = [$"must be between 1 and {MaxInvitationLifetime.TotalHours:0}"] });
        }
        var token = SecretHasher.NewKey(InvitationPrefix);
        var now = time.GetUtcNow();
        var invitation = new Invitation
        {
            Role = role,
            TokenHash = SecretHasher.Hash(token),
            CreatedById = inviterId,
            CreatedAt = now,
            ExpiresAt = now + life,
        };
        await writer.WriteAsync(session =>
        {
            session.Db.Invitations.Add(invitation);
            return session.Db.SaveChangesAsync(ct);
        }, ct);
        return new NewInvitation((await ListInvitationsAsync(ct)).Single(i => i.Id == invitation.Id), token);
    }

    /// <summary>Invitations, newest first: pending ones and what became of the others (accepted, revoked, expired).</summary>
    public async Task<IReadOnlyList<InvitationInfo>> ListInvitationsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await (from i in db.Invitations.AsNoTracking()
                          join u in db.Users.AsNoTracking() on i.CreatedById equals u.Id into inviters
                          from u in inviters.DefaultIfEmpty()
                          select new { i, By = u == null ? i.CreatedById : u.Email ?? u.UserName ?? u.Id }).ToListAsync(ct);
        return rows.OrderByDescending(r => r.i.Id, StringComparer.Ordinal)
            .Select(r => new InvitationInfo(r.i.Id, r.i.Role, r.By, r.i.CreatedAt, r.i.ExpiresAt, r.i.AcceptedAt, r.i.RevokedAt)).ToList();
    }

    /// <summary>Revokes a pending invitation; false when there is none by that id (or it was already used or revoked).</summary>
    public async Task<bool> RevokeInvitationAsync(string id, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        return await writer.WriteAsync(session => session.Db.Invitations
            .Where(i => i.Id == id && i.AcceptedAt == null && i.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), ct), ct) > 0;
    }

    /// <summary>What an invitation link offers, for the registration page; null when the link is unknown, used, revoked or expired.</summary>
    public async Task<Role?> PeekInvitationAsync(string token, CancellationToken ct = default)
    {
        var hash = SecretHasher.Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var invitation = await db.Invitations.AsNoTracking().FirstOrDefaultAsync(i => i.TokenHash == hash, ct);
        return invitation is { AcceptedAt: null, RevokedAt: null } && invitation.ExpiresAt > now ? invitation.Role : null;
    }

    /// <summary>
    /// Registers whoever holds the link, with its role, and uses the link up in the same transaction: of two people
    /// using one link at once, one joins. Unknown link → 404; used, revoked or expired → 410; a bad password or an email
    /// already taken by a member → 400/409, and the link stays usable. A removed member's email joins again (a new password).
    /// </summary>
    public async Task<MemberInfo> AcceptAsync(UserManager<AppUser> userManager, AppDbContext db, string token, string email, string password, CancellationToken ct = default)
    {
        email = email.Trim();
        if (!token.StartsWith(InvitationPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            throw new NotFoundException("This invitation link is not valid. Ask for a new one.");
        }
        if (!new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
        {
            throw new BadRequestException("Enter a valid email address.", new Dictionary<string, string[]> { ["email"] = ["is not an email address"] });
        }
        var hash = SecretHasher.Hash(token);
        var now = time.GetUtcNow();
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = now };
        var passwordErrors = new List<string>();
        foreach (var validator in userManager.PasswordValidators)
        {
            passwordErrors.AddRange((await validator.ValidateAsync(userManager, user, password)).Errors.Select(e => e.Description));
        }
        if (passwordErrors.Count > 0)
        {
            throw new BadRequestException(string.Join(" ", passwordErrors), new Dictionary<string, string[]> { ["password"] = [.. passwordErrors] });
        }
        var passwordHash = userManager.PasswordHasher.HashPassword(user, password);

        var joined = await writer.WriteAsync(db, WriteKind.Change, async _ =>
        {
            var invitation = await db.Invitations.Where(i => i.TokenHash == hash).ForUpdate().FirstOrDefaultAsync(ct)
                ?? throw new NotFoundException("This invitation link is not valid. Ask for a new one.");
            if (invitation.AcceptedAt is not null || invitation.RevokedAt is not null || invitation.ExpiresAt <= now)
            {
                throw new GoneException(invitation.AcceptedAt is not null ? "This invitation link was already used. Ask for a new one."
                    : invitation.RevokedAt is not null ? "This invitation link was revoked. Ask for a new one."
                    : "This invitation link has expired. Ask for a new one.");
            }
            var normalized = userManager.NormalizeEmail(email);
            var existing = await db.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
            if (existing is { RemovedAt: null })
            {
                throw new ConflictException($"{email} is already a member. Sign in instead.");
            }
            if (existing is not null)
            {
                existing.RemovedAt = null;
                existing.Role = invitation.Role;
                existing.PasswordHash = passwordHash;
                existing.SecurityStamp = Guid.NewGuid().ToString();
                existing.LockoutEnd = null;
                existing.AccessFailedCount = 0;
                user = existing;
                await db.SaveChangesAsync(ct);
            }
            else
            {
                user.Role = invitation.Role;
                user.PasswordHash = passwordHash;
                var created = await userManager.CreateAsync(user);
                if (!created.Succeeded)
                {
                    throw new BadRequestException(string.Join(" ", created.Errors.Select(e => e.Description)));
                }
            }
            invitation.AcceptedAt = now;
            invitation.AcceptedById = user.Id;
            await db.SaveChangesAsync(ct);
            return user;
        }, ct);
        notifier.Publish(new MemberChange(joined.Id));
        return new MemberInfo(joined.Id, joined.Email!, joined.Role, joined.CreatedAt, null, 0);
    }

    private static void CheckRole(Role role)
    {
        if (!Enum.IsDefined(role))
        {
            throw new BadRequestException("Unknown role.", new Dictionary<string, string[]> { ["role"] = ["must be viewer, editor, admin or owner"] });
        }
    }

    private static async Task<AppUser> ActiveMemberAsync(AppDbContext db, string userId, CancellationToken ct) =>
        await db.Users.Where(u => u.Id == userId && u.RemovedAt == null).ForUpdate().FirstOrDefaultAsync(ct)
        ?? throw new NotFoundException($"Member '{userId}' does not exist.");

    /// <summary>
    /// Refuses to leave the workspace without an owner. The owners are locked while counted, so two owners demoting each
    /// other at once on two instances cannot both succeed (the second sees the first's change once it commits).
    /// </summary>
    private static async Task EnsureAnotherOwnerAsync(AppDbContext db, string userId, string what, CancellationToken ct)
    {
        var owners = await db.Users.Where(u => u.Role == Role.Owner && u.RemovedAt == null).OrderBy(u => u.Id).ForUpdate().Select(u => u.Id).ToListAsync(ct);
        if (!owners.Any(id => id != userId))
        {
            throw new ConflictException($"The last owner cannot be {what}. Make another member owner first.");
        }
    }
}
