using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Accounts;

public sealed class AccountsBootstrapperTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    private async Task<(int Users, int Tokens)> CountAsync()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var hash = SecretHasher.Hash(UndbFactory.ApiToken);
        return (await db.Users.CountAsync(u => u.Email == UndbFactory.AdminEmail), await db.ApiTokens.CountAsync(t => t.Hash == hash));
    }

    private AccountsBootstrapper Bootstrapper(IServiceProvider scoped, BootstrapOptions options) => new(
        scoped.GetRequiredService<UserManager<AppUser>>(),
        scoped.GetRequiredService<AppDbContext>(),
        scoped.GetRequiredService<DataWriter>(),
        factory.Services.GetRequiredService<ApiTokenService>(),
        Options.Create(options),
        TimeProvider.System,
        NullLogger<AccountsBootstrapper>.Instance);

    [Fact]
    public async Task StartUp_CreatesTheAdminAndTheToken()
    {
        Assert.Equal((1, 1), await CountAsync());
        Assert.Equal(await factory.AdminIdAsync(), (await factory.Services.GetRequiredService<ApiTokenService>().ValidateAsync(UndbFactory.ApiToken))?.UserId);
    }

    [Fact]
    public async Task RunningAgainTwice_LeavesOneUserAndOneToken()
    {
        for (var i = 0; i < 2; i++)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AccountsBootstrapper>().RunAsync(CancellationToken.None);
        }

        Assert.Equal((1, 1), await CountAsync());
    }

    [Fact]
    public async Task AdminPassword_FromConfiguration_SignsIn()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var admin = await users.FindByEmailAsync(UndbFactory.AdminEmail);

        Assert.True(await users.CheckPasswordAsync(admin!, UndbFactory.AdminPassword));
    }

    [Fact]
    public async Task TokenWithoutAdminEmail_IsAConfigurationError()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var bootstrapper = Bootstrapper(scope.ServiceProvider, new BootstrapOptions { ApiToken = "undb_orphan_token_0123456789" });

        var ex = await Assert.ThrowsAsync<BootstrapConfigurationException>(() => bootstrapper.RunAsync(CancellationToken.None));

        Assert.Contains("Bootstrap:AdminEmail", ex.Message);
    }

    [Fact]
    public async Task NewAdminEmailWithoutPassword_IsAConfigurationError_AndCreatesNobody()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var bootstrapper = Bootstrapper(scope.ServiceProvider, new BootstrapOptions { AdminEmail = "nopassword@example.com" });

        var ex = await Assert.ThrowsAsync<BootstrapConfigurationException>(() => bootstrapper.RunAsync(CancellationToken.None));

        Assert.Contains("Bootstrap:AdminPassword", ex.Message);
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync("nopassword@example.com"));
    }

    [Fact]
    public async Task NothingConfigured_DoesNothing()
    {
        await using var scope = factory.Services.CreateAsyncScope();

        await Bootstrapper(scope.ServiceProvider, new BootstrapOptions()).RunAsync(CancellationToken.None);

        Assert.Equal((1, 1), await CountAsync());
    }

    [Fact]
    public async Task BlankAdminEmail_MeansNotConfigured()
    {
        await using var scope = factory.Services.CreateAsyncScope();

        await Bootstrapper(scope.ServiceProvider, new BootstrapOptions { AdminEmail = "  " }).RunAsync(CancellationToken.None);

        Assert.Equal((1, 1), await CountAsync());
    }

    [Fact]
    public async Task MalformedAdminEmail_IsAConfigurationError()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var bootstrapper = Bootstrapper(scope.ServiceProvider, new BootstrapOptions { AdminEmail = "not-an-email", AdminPassword = "Passw0rdOk" });

        var ex = await Assert.ThrowsAsync<BootstrapConfigurationException>(() => bootstrapper.RunAsync(CancellationToken.None));

        Assert.Contains("not an email address", ex.Message);
    }
}
