using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Undb.Features.Accounts;

/// <summary>Creates the configured first admin and API token at start-up; running it again changes nothing.</summary>
public sealed class AccountsBootstrapper(
    UserManager<AppUser> userManager,
    ApiTokenService tokens,
    IOptions<BootstrapOptions> options,
    TimeProvider time,
    ILogger<AccountsBootstrapper> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.AdminEmail))
        {
            if (!string.IsNullOrWhiteSpace(o.ApiToken))
            {
                throw new InvalidOperationException("Bootstrap:ApiToken needs Bootstrap:AdminEmail to say whose token it is.");
            }
            return;
        }

        if (!new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(o.AdminEmail.Trim()))
        {
            throw new InvalidOperationException($"Bootstrap:AdminEmail '{o.AdminEmail}' is not an email address.");
        }
        var user = await userManager.FindByEmailAsync(o.AdminEmail);
        if (user is null)
        {
            if (string.IsNullOrWhiteSpace(o.AdminPassword))
            {
                throw new InvalidOperationException("Bootstrap:AdminEmail is set but Bootstrap:AdminPassword is not; set both to create the first admin.");
            }
            user = new AppUser { UserName = o.AdminEmail, Email = o.AdminEmail, EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
            var result = await userManager.CreateAsync(user, o.AdminPassword);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException("Could not create the bootstrap admin: " + string.Join(" ", result.Errors.Select(e => e.Description)));
            }
            logger.LogInformation("Created the bootstrap admin {Email}", o.AdminEmail);
        }

        if (!string.IsNullOrWhiteSpace(o.ApiToken))
        {
            await tokens.CreateAsync(user.Id, "Bootstrap token", o.ApiToken, ct);
        }
    }
}
