using System.Net;
using System.Text.RegularExpressions;

namespace Undb.Tests.TestSupport;

/// <summary>Signs a client in through the real login form, as a browser does: the client keeps the auth cookie.</summary>
public static partial class CookieSignIn
{
    public static Dictionary<string, string> HiddenFields(string html) =>
        HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));

    /// <summary>Fetches the form (for its antiforgery token) and posts the credentials; the answer of the post.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password)
    {
        var form = await client.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var fields = HiddenFields(await form.Content.ReadAsStringAsync());
        Assert.Equal("login", fields["_handler"]);
        Assert.True(fields.ContainsKey("__RequestVerificationToken"));

        fields["Input.Email"] = email;
        fields["Input.Password"] = password;
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(fields));
    }

    /// <summary>A client without a token, signed in as the bootstrap admin by cookie.</summary>
    public static async Task<HttpClient> BrowserAsync(UndbFactory factory)
    {
        var client = factory.CreateAnonymousClient();
        var login = await PostLoginAsync(client, UndbFactory.AdminEmail, UndbFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return client;
    }

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*name="(?<name>[^"]+)"[^>]*value="(?<value>[^"]*)"[^>]*>""")]
    private static partial Regex HiddenInput();
}
