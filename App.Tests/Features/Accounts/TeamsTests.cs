using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Accounts;

/// <summary>Members with roles, tokens and sign-in, on a fresh instance per test class.</summary>
public class TeamsFactory : UndbFactory
{
    /// <summary>A new member with a role and a personal token; returns (user id, email, token).</summary>
    public async Task<(string Id, string Email, string Token)> MemberAsync(Role role, bool readOnlyToken = false)
    {
        var email = $"{role.ToApiName()}-{Guid.NewGuid():N}@example.com";
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, Role = role };
        Assert.True((await users.CreateAsync(user, "Passw0rdPassw0rd")).Succeeded);
        var token = await Services.GetRequiredService<ApiTokenService>().CreateAsync(user.Id, "test", default, new ApiTokenOptions(ReadOnly: readOnlyToken));
        return (user.Id, email, token.Token);
    }

    public HttpClient ClientWith(string token)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

/// <summary>
/// Every API route × every role (and a read-only token, and a removed member's token): allowed, or 403/401. The routes
/// are read from the app's endpoint list, so a new route without a permission fails here.
/// </summary>
[Trait("Engines", "Both")]
public sealed class PermissionMatrixTests(TeamsFactory app) : IClassFixture<TeamsFactory>
{
    private sealed record Caller(string Name, string Token, Role? Role, bool ReadOnly = false);

    [Fact]
    public void EveryApiRoute_SaysWhichPermissionItNeeds_OrThatItIsPublic()
    {
        var missing = ApiRoutes().Where(r => r.Permission is null && !r.Anonymous).Select(r => r.ToString()).ToList();
        Assert.True(missing.Count == 0, "API routes without RequirePermission(...) or AllowAnonymous(): " + string.Join(", ", missing));
        Assert.True(ApiRoutes().Count >= 40, $"Only {ApiRoutes().Count} API routes found.");
    }

    [Fact]
    public async Task EveryRoute_AllowsExactlyTheRolesItsPermissionNames()
    {
        var callers = new List<Caller>();
        foreach (var role in Enum.GetValues<Role>())
        {
            callers.Add(new Caller(role.ToApiName(), (await app.MemberAsync(role)).Token, role));
        }
        callers.Add(new Caller("owner's read-only token", (await app.MemberAsync(Role.Owner, readOnlyToken: true)).Token, Role.Owner, ReadOnly: true));
        var removed = await app.MemberAsync(Role.Admin);
        await Members().RemoveAsync(removed.Id);
        callers.Add(new Caller("removed admin", removed.Token, null));

        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var route in ApiRoutes().Where(r => !r.Anonymous))
        {
            foreach (var caller in callers)
            {
                using var client = app.ClientWith(caller.Token);
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Url);
                if (route.Method != "GET")
                {
                    request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
                }
                var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var expected = caller.Role is null ? 401
                    : !caller.Role.Value.Allows(route.Permission!.Value) || (caller.ReadOnly && route.Method != "GET") ? 403
                    : 0;
                checkedCount++;
                if (expected == 0 ? status is 401 or 403 : status != expected)
                {
                    failures.Add($"{route} as {caller.Name}: {status}, expected {(expected == 0 ? "allowed" : expected)}");
                }
                else if (expected != 0 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{route} as {caller.Name}: {status} without problem details");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCount} calls:\n" + string.Join("\n", failures));
    }

    private MemberService Members() => app.Services.CreateScope().ServiceProvider.GetRequiredService<MemberService>();

    private sealed record ApiRoute(string Method, string Pattern, string Url, Permission? Permission, bool Anonymous)
    {
        public override string ToString() => $"{Method} {Pattern}";
    }

    private List<ApiRoute> ApiRoutes() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new ApiRoute(
                m,
                e.RoutePattern.RawText!,
                string.Join("/", e.RoutePattern.RawText!.Split('/').Select(s => s.StartsWith('{') ? "nope_1" : s)),
                e.Metadata.GetMetadata<PermissionMetadata>()?.Permission,
                e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)))
            .ToList();
}

[Trait("Engines", "Both")]
public sealed class TeamsTests(TeamsFactory app) : IClassFixture<TeamsFactory>
{
    private MemberService Members() => app.Services.CreateScope().ServiceProvider.GetRequiredService<MemberService>();

    [Fact]
    public async Task TheFirstUser_IsOwner_AndMeSaysSo()
    {
        var me = await app.CreateApiClient().GetFromJsonAsync<JsonObject>("/api/me");
        Assert.Equal(UndbFactory.AdminEmail, (string?)me!["email"]);
        Assert.Equal("owner", (string?)me["role"]);
    }

    [Fact]
    public async Task AnInvitation_RegistersItsHolder_WithItsRole_Once()
    {
        var admin = await app.MemberAsync(Role.Admin);
        var created = await app.ClientWith(admin.Token).PostAsJsonAsync("/api/invitations", new { role = "editor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var invitation = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var token = (string)invitation["token"]!;
        Assert.EndsWith("/invite/" + token, (string)invitation["url"]!);
        Assert.InRange(DateTimeOffset.Parse((string)invitation["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow,
            TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5), TimeSpan.FromDays(7));

        var email = $"invited-{Guid.NewGuid():N}@example.com";
        var anonymous = app.CreateAnonymousClient();
        var accepted = await anonymous.PostAsJsonAsync("/api/invitations/accept", new { token, email, password = "Passw0rdPassw0rd" });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal("editor", (string?)(await accepted.Content.ReadFromJsonAsync<JsonObject>())!["role"]);

        var again = await anonymous.PostAsJsonAsync("/api/invitations/accept", new { token, email = "other@example.com", password = "Passw0rdPassw0rd" });
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Contains("already used", await again.Content.ReadAsStringAsync());

        // The new member signs in through the API and is an editor.
        var signIn = await anonymous.PostAsJsonAsync("/api/auth/sign-in", new { email, password = "Passw0rdPassw0rd" });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var session = (await signIn.Content.ReadFromJsonAsync<JsonObject>())!;
        var me = await app.ClientWith((string)session["token"]!).GetFromJsonAsync<JsonObject>("/api/me");
        Assert.Equal("editor", (string?)me!["role"]);
        Assert.InRange(DateTimeOffset.Parse((string)session["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow,
            TimeSpan.FromHours(11), TimeSpan.FromHours(12));
    }

    [Fact]
    public async Task ExpiredOrRevokedInvitations_Are410_AndUnknownOnes404()
    {
        var owner = app.CreateApiClient();
        var expired = (await (await owner.PostAsJsonAsync("/api/invitations", new { role = "viewer", expiresInHours = 1 })).Content.ReadFromJsonAsync<JsonObject>())!;
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var row = await db.Invitations.SingleAsync(i => i.Id == (string)expired["id"]!);
            row.ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            await db.SaveChangesAsync();
        }
        var revoked = (await (await owner.PostAsJsonAsync("/api/invitations", new { role = "viewer" })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/invitations/{revoked["id"]}")).StatusCode);

        var anonymous = app.CreateAnonymousClient();
        var tooLate = await anonymous.PostAsJsonAsync("/api/invitations/accept", new { token = (string)expired["token"]!, email = "late@example.com", password = "Passw0rdPassw0rd" });
        Assert.Equal(HttpStatusCode.Gone, tooLate.StatusCode);
        Assert.Contains("expired", await tooLate.Content.ReadAsStringAsync());
        var afterRevoke = await anonymous.PostAsJsonAsync("/api/invitations/accept", new { token = (string)revoked["token"]!, email = "rev@example.com", password = "Passw0rdPassw0rd" });
        Assert.Equal(HttpStatusCode.Gone, afterRevoke.StatusCode);
        var unknown = await anonymous.PostAsJsonAsync("/api/invitations/accept", new { token = "inv_nothing", email = "x@example.com", password = "Passw0rdPassw0rd" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var list = await owner.GetFromJsonAsync<JsonArray>("/api/invitations");
        Assert.Equal("expired", (string?)list!.Single(i => (string?)i!["id"] == (string?)expired["id"])!["status"]);
        Assert.Equal("revoked", (string?)list!.Single(i => (string?)i!["id"] == (string?)revoked["id"])!["status"]);
    }

    [Fact]
    public async Task AnAdmin_CannotInviteAnOwner_AndAnEditorCannotInviteAtAll()
    {
        var admin = await app.MemberAsync(Role.Admin);
        var editor = await app.MemberAsync(Role.Editor);
        var ownerInvite = await app.ClientWith(admin.Token).PostAsJsonAsync("/api/invitations", new { role = "owner" });
        Assert.Equal(HttpStatusCode.Forbidden, ownerInvite.StatusCode);
        Assert.Equal("application/problem+json", ownerInvite.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWith(editor.Token).PostAsJsonAsync("/api/invitations", new { role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await app.CreateApiClient().PostAsJsonAsync("/api/invitations", new { role = "owner" })).StatusCode);
    }

    [Fact]
    public async Task TheLastOwner_CannotBeDemotedOrRemoved_ButOneOfTwoCan()
    {
        var members = Members();
        // Every owner but the bootstrap admin steps down first (other tests in this class may have made owners).
        foreach (var other in (await members.ListAsync()).Where(m => m.Role == Role.Owner && m.Email != UndbFactory.AdminEmail))
        {
            await members.ChangeRoleAsync(other.Id, Role.Admin);
        }
        var adminId = await app.AdminIdAsync();
        var owner = app.CreateApiClient();
        var demote = await owner.PatchAsJsonAsync($"/api/members/{adminId}", new { role = "admin" });
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Contains("last owner", await demote.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await owner.DeleteAsync($"/api/members/{adminId}")).StatusCode);

        var second = await app.MemberAsync(Role.Owner);
        var demoteSecond = await owner.PatchAsJsonAsync($"/api/members/{second.Id}", new { role = "editor" });
        Assert.Equal(HttpStatusCode.OK, demoteSecond.StatusCode);
        Assert.Equal("editor", (string?)(await demoteSecond.Content.ReadFromJsonAsync<JsonObject>())!["role"]);
        Assert.Equal("owner", (string?)(await owner.GetFromJsonAsync<JsonObject>("/api/me"))!["role"]);
    }

    [Fact]
    public async Task ARoleChange_CountsAtOnce_ForTheMembersTokens()
    {
        var viewer = await app.MemberAsync(Role.Viewer);
        var client = app.ClientWith(viewer.Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/tables", new { name = "Mine" })).StatusCode);

        var promoted = await app.CreateApiClient().PatchAsJsonAsync($"/api/members/{viewer.Id}", new { role = "admin" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/tables", new { name = "Mine " + Guid.NewGuid().ToString("N")[..6] })).StatusCode);
    }

    [Fact]
    public async Task RemovingAMember_EndsTheirTokensAndTheirSession_AtOnce()
    {
        var member = await app.MemberAsync(Role.Editor);
        var browser = app.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.Redirect, (await CookieSignIn.PostLoginAsync(browser, member.Email, "Passw0rdPassw0rd")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWith(member.Token).GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await app.CreateApiClient().DeleteAsync($"/api/members/{member.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ClientWith(member.Token).GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);
        // And they cannot sign in again, by the form or the API.
        Assert.NotEqual(HttpStatusCode.Redirect, (await CookieSignIn.PostLoginAsync(app.CreateAnonymousClient(), member.Email, "Passw0rdPassw0rd")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateAnonymousClient().PostAsJsonAsync("/api/auth/sign-in", new { email = member.Email, password = "Passw0rdPassw0rd" })).StatusCode);
        Assert.DoesNotContain(await Members().ListAsync(), m => m.Id == member.Id);
    }

    [Fact]
    public async Task ReadOnlyAndExpiringTokens()
    {
        var owner = app.CreateApiClient();
        var created = await owner.PostAsJsonAsync("/api/tokens", new { name = "dashboard", readOnly = true, expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((bool)token["readOnly"]!);
        var readOnly = app.ClientWith((string)token["token"]!);
        Assert.Equal(HttpStatusCode.OK, (await readOnly.GetAsync("/api/tables")).StatusCode);
        var write = await readOnly.PostAsJsonAsync("/api/tables", new { name = "Nope" });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);

        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var row = await db.ApiTokens.SingleAsync(t => t.Id == (string)token["id"]!);
            Assert.NotNull(row.ExpiresAt);
            row.ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1);
            await db.SaveChangesAsync();
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await readOnly.GetAsync("/api/tables")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync("/api/tokens", new { name = "x", expiresInDays = 0 })).StatusCode);
        var listed = await owner.GetFromJsonAsync<JsonArray>("/api/tokens");
        Assert.Contains(listed!, t => (string?)t!["name"] == "dashboard");
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_Is401_AndLocksLikeTheLoginPage()
    {
        var member = await app.MemberAsync(Role.Viewer);
        var anonymous = app.CreateAnonymousClient();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 10; i++)
        {
            last = await anonymous.PostAsJsonAsync("/api/auth/sign-in", new { email = member.Email, password = "wrong" });
            Assert.Equal(HttpStatusCode.Unauthorized, last.StatusCode);
        }
        Assert.Contains("locked", await last.Content.ReadAsStringAsync());
        var right = await anonymous.PostAsJsonAsync("/api/auth/sign-in", new { email = member.Email, password = "Passw0rdPassw0rd" });
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
    }

    [Fact]
    public async Task RecordHistory_SaysWhoChangedWhatWhichWay()
    {
        var owner = app.CreateApiClient();
        var table = (await (await owner.PostAsJsonAsync("/api/tables", new { name = "History " + Guid.NewGuid().ToString("N")[..6], fields = new[] { new { name = "Deal", type = "text" } } })).Content.ReadFromJsonAsync<JsonObject>())!;
        var tableId = (string)table["id"]!;
        var editor = await app.MemberAsync(Role.Editor);
        var record = (await (await app.ClientWith(editor.Token).PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Acme" } })).Content.ReadFromJsonAsync<JsonObject>())!;
        var recordId = (string)record["id"]!;
        Assert.True((await owner.PatchAsJsonAsync($"/api/tables/{tableId}/records/{recordId}", new { values = new { Deal = "Acme Corp" } })).IsSuccessStatusCode);

        var history = (await app.ClientWith((await app.MemberAsync(Role.Viewer)).Token).GetFromJsonAsync<JsonObject>($"/api/tables/{tableId}/records/{recordId}/history"))!["items"]!.AsArray();
        Assert.Equal(2, history.Count);
        var update = history[0]!;
        Assert.Equal("updated", (string?)update["kind"]);
        Assert.Equal(UndbFactory.AdminEmail, (string?)update["actor"]!["username"]);
        Assert.Equal("API token 'Bootstrap token'", (string?)update["via"]);
        Assert.Equal("Deal", (string?)update["changes"]![0]!["field"]);
        Assert.Equal("Acme", (string?)update["changes"]![0]!["from"]);
        Assert.Equal("Acme Corp", (string?)update["changes"]![0]!["to"]);
        var create = history[1]!;
        Assert.Equal("created", (string?)create["kind"]);
        Assert.Equal(editor.Email, (string?)create["actor"]!["username"]);
        Assert.Equal("API token 'test'", (string?)create["via"]);

        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/tables/{tableId}/records/rec_nope/history")).StatusCode);
    }
}

[Trait("Engines", "Both")]
public sealed class DeliveryActorTests(TeamsFactory app) : IClassFixture<TeamsFactory>
{
    [Fact]
    public async Task TheDeliveryHistory_SaysWhoMadeTheChangeThatFiredIt()
    {
        var owner = app.CreateApiClient();
        var table = (await (await owner.PostAsJsonAsync("/api/tables", new { name = "Fired", fields = new[] { new { name = "Deal", type = "text" } } })).Content.ReadFromJsonAsync<JsonObject>())!;
        var tableId = (string)table["id"]!;
        // Paused: its deliveries are held, not sent, and still listed.
        var webhook = (await (await owner.PostAsJsonAsync($"/api/tables/{tableId}/webhooks",
            new { name = "Paused", url = "https://example.com/hook", events = new[] { "record.created" }, enabled = false })).Content.ReadFromJsonAsync<JsonObject>())!;
        var editor = await app.MemberAsync(Role.Editor);
        Assert.True((await app.ClientWith(editor.Token).PostAsJsonAsync($"/api/tables/{tableId}/records", new { values = new { Deal = "Acme" } })).IsSuccessStatusCode);

        var page = (await app.ClientWith(editor.Token).GetFromJsonAsync<JsonObject>($"/api/webhooks/{webhook["id"]}/deliveries"))!;
        var delivery = page["items"]![0]!;
        Assert.Equal(editor.Email, (string?)delivery["actor"]!["username"]);
        var detail = (await owner.GetFromJsonAsync<JsonObject>($"/api/deliveries/{delivery["id"]}"))!;
        Assert.Equal(editor.Id, (string?)detail["delivery"]!["actor"]!["id"]);
    }
}

/// <summary>The sign-in route's rate limit, with a low limit of its own.</summary>
public sealed class SignInRateLimitFactory : UndbFactory
{
    public SignInRateLimitFactory() => Settings["Accounts:SignInPermitsPerMinute"] = "3";
}

public sealed class SignInRateLimitTests(SignInRateLimitFactory app) : IClassFixture<SignInRateLimitFactory>
{
    [Fact]
    public async Task TooManySignIns_From_OneAddress_Are429_WithRetryAfter()
    {
        var client = app.CreateAnonymousClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await client.PostAsJsonAsync("/api/auth/sign-in", new { email = "nobody@example.com", password = "x" })).StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses.Take(3));
        var limited = await client.PostAsJsonAsync("/api/auth/sign-in", new { email = "nobody@example.com", password = "x" });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter is not null);
    }
}
