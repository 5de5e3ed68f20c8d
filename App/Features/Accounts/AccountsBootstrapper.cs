using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Undb.Features.Accounts;

/// <summary>A <c>Bootstrap:*</c> setting the app cannot start with; its message is one line that names the setting.</summary>
public sealed class BootstrapConfigurationException(string message) : InvalidOperationException(message);

/// <summary>
/// Creates the configured first admin and API token at start-up; running it again changes nothing. Bootstrap applies
/// once: a token an admin revoked stays revoked while the setting still names it (the start logs a warning).
/// </summary>
public sealed partial class AccountsBootstrapper(
    UserManager<AppUser> userManager,
    Undb.Data.AppDbContext db,
    Undb.Data.DataWriter writer,
    ApiTokenService tokens,
    IOptions<BootstrapOptions> options,
    TimeProvider time,
    ILogger<AccountsBootstrapper> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (!string.IsNullOrWhiteSpace(o.ApiToken) && !TokenFormat().IsMatch(o.ApiToken))
        {
            throw new BootstrapConfigurationException(
                "Bootstrap:ApiToken must start with undb_ followed by at least 16 letters, digits, '-' or '_'; fix it or remove the setting.");
        }
        if (string.IsNullOrWhiteSpace(o.AdminEmail))
        {
            if (!string.IsNullOrWhiteSpace(o.ApiToken))
            {
                throw new BootstrapConfigurationException("Bootstrap:ApiToken needs Bootstrap:AdminEmail to say whose token it is.");
            }
            return;
        }

        if (!new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(o.AdminEmail.Trim()))
        {
            throw new BootstrapConfigurationException($"Bootstrap:AdminEmail '{o.AdminEmail}' is not an email address.");
        }
        var user = await userManager.FindByEmailAsync(o.AdminEmail);
        if (user is null)
        {
            if (string.IsNullOrWhiteSpace(o.AdminPassword))
            {
                throw new BootstrapConfigurationException("Bootstrap:AdminEmail is set but Bootstrap:AdminPassword is not; set both to create the first admin.");
            }
            user = new AppUser { UserName = o.AdminEmail, Email = o.AdminEmail, EmailConfirmed = true, CreatedAt = time.GetUtcNow(), Role = Role.Owner };
            var result = await userManager.CreateAsync(user, o.AdminPassword);
            if (!result.Succeeded)
            {
                throw new BootstrapConfigurationException("Bootstrap:AdminPassword cannot be used: " + string.Join(" ", result.Errors.Select(e => e.Description)));
            }
            logger.LogInformation("Created the bootstrap admin {Email}", o.AdminEmail);
        }
        // On a fresh server the bootstrap admin is its first user, and so its owner.
        await writer.WriteAsync(db, Undb.Data.WriteKind.Change, _ => ServerOwnership.TryClaimAsync(db, user.Id, time.GetUtcNow(), ct), ct);

        if (!string.IsNullOrWhiteSpace(o.ApiToken))
        {
            if (await tokens.IsRevokedAsync(o.ApiToken, ct))
            {
                logger.LogWarning(
                    "Bootstrap:ApiToken names a token that was revoked; it stays revoked. Remove the setting, or set a new token to issue one.");
                return;
            }
            await tokens.CreateAsync(user.Id, "Bootstrap token", o.ApiToken, ct);
        }
    }

    [GeneratedRegex("^undb_[A-Za-z0-9_-]{16,}$")]
    private static partial Regex TokenFormat();
}
