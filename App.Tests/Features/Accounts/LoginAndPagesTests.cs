using System.Net;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Accounts;

/// <summary>Cookie sign-in through the real login form, and which pages need it.</summary>
public sealed class LoginAndPagesTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/settings")]
    [InlineData("/tables/tbl_anything")]
    public async Task Page_WithoutLogin_RedirectsToLogin(string path)
    {
        var response = await factory.CreateAnonymousClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal("/account/login", location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0]);
        Assert.Contains("ReturnUrl=" + Uri.EscapeDataString(path), location.OriginalString, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/account/login", "Log in to Undb")]
    [InlineData("/account/register", "Create your account")]
    public async Task AccountPages_AreReachableAnonymously(string path, string heading)
    {
        var response = await factory.CreateAnonymousClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(heading, await response.Content.ReadAsStringAsync());
    }

    private static Dictionary<string, string> HiddenFields(string html) => CookieSignIn.HiddenFields(html);

    private static Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password) =>
        CookieSignIn.PostLoginAsync(client, email, password);

    [Fact]
    public async Task Login_ThroughTheForm_SetsTheCookie_AndOpensThePages()
    {
        var client = factory.CreateAnonymousClient();

        var login = await PostLoginAsync(client, UndbFactory.AdminEmail, UndbFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("undb.auth="));
        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Your tables", await home.Content.ReadAsStringAsync());
        var settings = await client.GetAsync("/settings");
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.Contains("API tokens", await settings.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Login_WithAReturnUrl_GoesBackThere()
    {
        var client = factory.CreateAnonymousClient();
        var form = await client.GetAsync("/account/login?returnUrl=%2Fsettings");
        var fields = HiddenFields(await form.Content.ReadAsStringAsync());
        fields["Input.Email"] = UndbFactory.AdminEmail;
        fields["Input.Password"] = UndbFactory.AdminPassword;

        var login = await client.PostAsync("/account/login?returnUrl=%2Fsettings", new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/settings", login.Headers.Location!.IsAbsoluteUri ? login.Headers.Location.AbsolutePath : login.Headers.Location.OriginalString);
    }

    [Theory]
    [InlineData("%5Cevil.example")]
    [InlineData("%2F%09%2Fevil.example")]
    [InlineData("%2F%2Fevil.example")]
    [InlineData("https%3A%2F%2Fevil.example")]
    public async Task Login_WithAnOffSiteReturnUrl_StaysOnTheSite(string returnUrl)
    {
        var client = factory.CreateAnonymousClient();
        var form = await client.GetAsync($"/account/login?returnUrl={returnUrl}");
        var fields = HiddenFields(await form.Content.ReadAsStringAsync());
        fields["Input.Email"] = UndbFactory.AdminEmail;
        fields["Input.Password"] = UndbFactory.AdminPassword;

        var login = await client.PostAsync($"/account/login?returnUrl={returnUrl}", new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        // Read the Location as a browser does: tabs and newlines dropped, backslashes as slashes.
        var location = login.Headers.Location!.OriginalString.Replace("\t", "").Replace("\n", "").Replace('\\', '/');
        Assert.Equal("localhost", new Uri(new Uri("http://localhost/"), location).Host);
    }

    [Fact]
    public async Task Login_WrongPassword_ShowsAnError_AndSetsNoCookie()
    {
        var client = factory.CreateAnonymousClient();

        var login = await PostLoginAsync(client, UndbFactory.AdminEmail, "not the password");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("That email and password do not match an account.", await login.Content.ReadAsStringAsync());
        Assert.False(login.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("undb.auth=")));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Login_WithoutTheAntiforgeryToken_IsRejected()
    {
        var client = factory.CreateAnonymousClient();
        await client.GetAsync("/account/login");

        var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = UndbFactory.AdminEmail,
            ["Input.Password"] = UndbFactory.AdminPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Logout_EndsTheSession()
    {
        var client = factory.CreateAnonymousClient();
        await PostLoginAsync(client, UndbFactory.AdminEmail, UndbFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        var logout = await client.PostAsync("/account/logout", null);

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Cookie_DoesNotOpenTheApiToAWrongToken()
    {
        var client = factory.CreateAnonymousClient();
        await PostLoginAsync(client, UndbFactory.AdminEmail, UndbFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tables")).StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/tables");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "undb_wrong_token_but_a_cookie_is_sent");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Cookie_MayReadTheApi_ButNotChangeAnything()
    {
        var api = factory.CreateApiClient();
        var name = "Cookie " + Guid.NewGuid().ToString("N")[..8];
        var created = await api.PostAsync("/api/tables", Json($$"""{"name":"{{name}}","fields":[{"name":"Deal","type":"text"}]}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var tableId = System.Text.Json.Nodes.JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var browser = factory.CreateAnonymousClient();
        await PostLoginAsync(browser, UndbFactory.AdminEmail, UndbFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/api/tables/{tableId}")).StatusCode);
        var changes = new[]
        {
            new HttpRequestMessage(HttpMethod.Post, "/api/tables") { Content = Json("""{"name":"Made by another site","fields":[]}""") },
            new HttpRequestMessage(HttpMethod.Post, $"/api/tables/{tableId}/records") { Content = Json("""{"values":{"Deal":"Forged"}}""") },
            new HttpRequestMessage(HttpMethod.Patch, $"/api/tables/{tableId}") { Content = Json("""{"name":"Renamed by another site"}""") },
            new HttpRequestMessage(HttpMethod.Put, $"/api/tables/{tableId}/fields/order") { Content = Json("""{"fieldIds":[]}""") },
            new HttpRequestMessage(HttpMethod.Delete, $"/api/tables/{tableId}"),
        };
        foreach (var change in changes)
        {
            var response = await browser.SendAsync(change);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(401, problem["status"]!.GetValue<int>());
            Assert.Contains("Authorization: Bearer", problem["detail"]!.GetValue<string>());
        }

        var table = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync($"/api/tables/{tableId}"))!;
        Assert.Equal(name, table["name"]!.GetValue<string>());
        var records = System.Text.Json.Nodes.JsonNode.Parse(await api.GetStringAsync($"/api/tables/{tableId}/records"))!;
        Assert.Equal(0, records["total"]!.GetValue<int>());
        var tables = await api.GetStringAsync("/api/tables");
        Assert.DoesNotContain("Made by another site", tables);
        // The same change with a token (and the cookie still sent) goes through.
        var withToken = new HttpRequestMessage(HttpMethod.Patch, $"/api/tables/{tableId}") { Content = Json("""{"name":"Renamed with a token"}""") };
        withToken.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", UndbFactory.ApiToken);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(withToken)).StatusCode);
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
