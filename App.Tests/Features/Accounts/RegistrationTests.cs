using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Undb.Features.Accounts;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Accounts;

/// <summary>A fresh instance with no bootstrap admin: nobody has registered yet.</summary>
public sealed class EmptyInstanceFactory : UndbFactory
{
    public EmptyInstanceFactory()
    {
        SeedAdmin = false;
    }
}

/// <summary>An instance with the bootstrap admin and <c>Accounts:OpenRegistration=true</c>.</summary>
public sealed class OpenRegistrationFactory : UndbFactory
{
    public OpenRegistrationFactory()
    {
        Settings["Accounts:OpenRegistration"] = "true";
    }
}

[Trait("Engines", "Both")]
public sealed class RegistrationTests(EmptyInstanceFactory empty, OpenRegistrationFactory open, UndbFactory closed)
    : IClassFixture<EmptyInstanceFactory>, IClassFixture<OpenRegistrationFactory>, IClassFixture<UndbFactory>
{
    private static async Task<bool> ExistsAsync(IServiceProvider services, string email)
    {
        using var scope = services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email) is not null;
    }

    [Fact]
    public async Task FirstUserMayRegister_ThenRegistrationCloses()
    {
        using var scope = empty.Services.CreateScope();
        var registration = scope.ServiceProvider.GetRequiredService<RegistrationService>();
        Assert.True(await registration.IsOpenAsync());

        var first = await registration.RegisterAsync(" owner@example.com ", "Passw0rdPassw0rd");

        Assert.True(first.Succeeded, string.Join(" ", first.Errors.Select(e => e.Description)));
        Assert.True(await ExistsAsync(empty.Services, "owner@example.com"));
        Assert.False(await registration.IsOpenAsync());

        var second = await registration.RegisterAsync("second@example.com", "Passw0rdPassw0rd");

        Assert.False(second.Succeeded);
        Assert.Equal("RegistrationClosed", Assert.Single(second.Errors).Code);
        Assert.False(await ExistsAsync(empty.Services, "second@example.com"));
    }

    [Fact]
    public async Task SecondUser_MayNotRegister_WhenRegistrationIsClosed()
    {
        using var scope = closed.Services.CreateScope();
        var registration = scope.ServiceProvider.GetRequiredService<RegistrationService>();

        var result = await registration.RegisterAsync("latecomer@example.com", "Passw0rdPassw0rd");

        Assert.False(await registration.IsOpenAsync());
        Assert.False(result.Succeeded);
        Assert.False(await ExistsAsync(closed.Services, "latecomer@example.com"));
    }

    [Fact]
    public async Task SecondUser_MayRegister_WithOpenRegistration()
    {
        using var scope = open.Services.CreateScope();
        var registration = scope.ServiceProvider.GetRequiredService<RegistrationService>();

        var result = await registration.RegisterAsync("colleague@example.com", "Passw0rdPassw0rd");

        Assert.True(await registration.IsOpenAsync());
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        Assert.True(await ExistsAsync(open.Services, "colleague@example.com"));
    }

    [Fact]
    public async Task Register_WeakPassword_IsRefusedWithIdentitysReasons()
    {
        using var scope = open.Services.CreateScope();
        var registration = scope.ServiceProvider.GetRequiredService<RegistrationService>();

        var result = await registration.RegisterAsync("weak@example.com", "short");

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Code == "PasswordTooShort");
        Assert.False(await ExistsAsync(open.Services, "weak@example.com"));
    }

    [Fact]
    public async Task RegisterPage_WhenClosed_SaysSo()
    {
        var response = await closed.CreateAnonymousClient().GetAsync("/account/register");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Registration is closed", html);
        Assert.DoesNotContain("register-submit", html);
    }

    [Fact]
    public async Task RegisterPage_WhenOpen_ShowsTheForm()
    {
        var response = await open.CreateAnonymousClient().GetAsync("/account/register");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("register-submit", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A fresh instance of its own, for the race between first registrations.</summary>
public sealed class FreshInstanceFactory : UndbFactory
{
    public FreshInstanceFactory()
    {
        SeedAdmin = false;
    }
}

[Trait("Engines", "Both")]
public sealed class ConcurrentRegistrationTests(FreshInstanceFactory fresh) : IClassFixture<FreshInstanceFactory>
{
    [Fact]
    public async Task ManyFirstRegistrationsAtOnce_MakeExactlyOneUser_WhoOwnsTheServer()
    {
        const int Attempts = 12;
        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, Attempts).Select(i => Task.Run(async () =>
        {
            using var scope = fresh.Services.CreateScope();
            var registration = scope.ServiceProvider.GetRequiredService<RegistrationService>();
            start.Wait();
            return (Email: $"racer{i}@example.com", Result: await registration.RegisterAsync($"racer{i}@example.com", "Passw0rdPassw0rd"));
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r.Result.Succeeded);
        Assert.All(results.Where(r => !r.Result.Succeeded), r => Assert.Equal("RegistrationClosed", Assert.Single(r.Result.Errors).Code));
        using var check = fresh.Services.CreateScope();
        var users = check.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var only = Assert.Single(users.Users.ToList());
        Assert.Equal(winner.Email, only.Email);
        Assert.Equal(only.Id, await check.ServiceProvider.GetRequiredService<RegistrationService>().OwnerIdAsync());
    }
}
