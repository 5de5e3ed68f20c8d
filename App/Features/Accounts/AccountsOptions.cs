namespace Undb.Features.Accounts;

/// <summary><c>Accounts:*</c> settings.</summary>
public sealed class AccountsOptions
{
    public const string Section = "Accounts";

    /// <summary>Anyone may register. Off by default: only the very first user may register, then an admin shares accounts.</summary>
    public bool OpenRegistration { get; set; }

    /// <summary>How long a token from <c>POST /api/auth/sign-in</c> works.</summary>
    public TimeSpan SignInTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Sign-in and invitation-accept attempts per client address per minute.</summary>
    public int SignInPermitsPerMinute { get; set; } = 10;
}

/// <summary><c>Bootstrap:*</c>: seeds the first admin and one API token at start-up (idempotent), so a fresh instance can be scripted.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    /// <summary>Blank means "no bootstrap admin" (an empty environment variable must not stop start-up); checked by the bootstrapper.</summary>
    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }

    /// <summary>A token to accept for the admin, starting with <c>undb_</c>; checked by the bootstrapper, which stops start-up with one line.</summary>
    public string? ApiToken { get; set; }
}
