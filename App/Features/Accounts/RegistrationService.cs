using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Undb.Features.Accounts;

/// <summary>Who may register: the first user always; others only when <c>Accounts:OpenRegistration</c> is on.</summary>
public sealed class RegistrationService(UserManager<AppUser> userManager, IOptions<AccountsOptions> options, TimeProvider time)
{
    public async Task<bool> IsOpenAsync(CancellationToken ct = default) =>
        options.Value.OpenRegistration || !await userManager.Users.AnyAsync(ct);

    public async Task<IdentityResult> RegisterAsync(string email, string password, CancellationToken ct = default)
    {
        if (!await IsOpenAsync(ct))
        {
            return IdentityResult.Failed(new IdentityError { Code = "RegistrationClosed", Description = "Registration is closed on this server. Ask an administrator for an account." });
        }
        var user = new AppUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
        return await userManager.CreateAsync(user, password);
    }
}
