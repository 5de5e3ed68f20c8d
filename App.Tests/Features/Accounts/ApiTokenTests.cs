using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Undb.Data;
using Undb.Features.Accounts;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Accounts;

public sealed class ApiTokenTests(RecordingUndbFactory factory) : IClassFixture<RecordingUndbFactory>
{
    private ApiTokenService Tokens => factory.Services.GetRequiredService<ApiTokenService>();

    private HttpClient ClientWith(string token)
    {
        var client = factory.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<ApiToken> RowAsync(string tokenId)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.ApiTokens.AsNoTracking().SingleAsync(t => t.Id == tokenId);
    }

    /// <summary>Every byte SQLite holds for this database: the main file and its write-ahead log.</summary>
    private string DatabaseText()
    {
        var text = new StringBuilder();
        foreach (var path in new[] { factory.Database.FilePath, factory.Database.FilePath + "-wal" })
        {
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, Encoding.Latin1);
                text.Append(reader.ReadToEnd());
            }
        }
        return text.ToString();
    }

    private async Task<string> NewUserAsync()
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var email = $"user{Guid.NewGuid():N}@example.com";
        var user = new AppUser { UserName = email, Email = email, Role = Role.Admin };
        Assert.True((await users.CreateAsync(user, "Passw0rdPassw0rd")).Succeeded);
        return user.Id;
    }

    [Fact]
    public async Task Create_ReturnsTheTokenOnce_AndStoresOnlyItsHash()
    {
        var adminId = await factory.AdminIdAsync();
        var name = "ci-" + Guid.NewGuid().ToString("N");

        var created = await Tokens.CreateAsync(adminId, name);

        Assert.Matches("^undb_[0-9A-Za-z]{43}$", created.Token);
        Assert.Equal(name, created.Info.Name);
        Assert.Equal(created.Token[..9] + "…", created.Info.Prefix);
        var row = await RowAsync(created.Info.Id);
        Assert.Equal(SecretHasher.Hash(created.Token), row.Hash);
        Assert.NotEqual(created.Token, row.Hash);

        // The name is found in the raw file, so the search works; the token is not.
        var raw = DatabaseText();
        Assert.Contains(name, raw);
        Assert.DoesNotContain(created.Token, raw);
        Assert.DoesNotContain(created.Token[5..], raw);
    }

    [Fact]
    public async Task List_ShowsAUsersTokensNewestFirst_WithoutTheTokenText()
    {
        var userId = await NewUserAsync();
        var first = await Tokens.CreateAsync(userId, "first");
        factory.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await Tokens.CreateAsync(userId, "second");
        await Tokens.CreateAsync(await NewUserAsync(), "someone else's");

        var listed = await Tokens.ListAsync(userId);

        Assert.Equal(["second", "first"], listed.Select(t => t.Name));
        Assert.Equal([second.Info.Id, first.Info.Id], listed.Select(t => t.Id));
        Assert.All(listed, t => Assert.EndsWith("…", t.Prefix));
        Assert.DoesNotContain(listed, t => t.ToString().Contains(first.Token) || t.ToString().Contains(second.Token));
    }

    [Fact]
    public async Task Create_BlankName_GetsADefaultName()
    {
        var created = await Tokens.CreateAsync(await NewUserAsync(), "   ");

        Assert.Equal("API token", created.Info.Name);
    }

    [Fact]
    public async Task NewToken_AuthenticatesAsItsOwner()
    {
        var userId = await NewUserAsync();
        var created = await Tokens.CreateAsync(userId, "api");
        var client = ClientWith(created.Token);
        var tableName = "Owned " + Guid.NewGuid().ToString("N");

        var response = await client.PostAsync("/api/tables", new StringContent($$"""{"name":"{{tableName}}","fields":[{"name":"A","type":"text"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(userId, (await db.Tables.SingleAsync(t => t.Name == tableName)).CreatedById);
    }

    [Fact]
    public async Task Revoke_TokenStopsWorking()
    {
        var userId = await NewUserAsync();
        var created = await Tokens.CreateAsync(userId, "to revoke");
        var client = ClientWith(created.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tables")).StatusCode);

        Assert.True(await Tokens.RevokeAsync(userId, created.Info.Id));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/tables")).StatusCode);
        Assert.Null(await Tokens.ValidateAsync(created.Token));
        Assert.Empty(await Tokens.ListAsync(userId));
    }

    [Fact]
    public async Task Revoke_SomeoneElsesToken_IsRefused_AndItKeepsWorking()
    {
        var ownerId = await NewUserAsync();
        var created = await Tokens.CreateAsync(ownerId, "not yours");

        Assert.False(await Tokens.RevokeAsync(await NewUserAsync(), created.Info.Id));

        Assert.Equal(ownerId, (await Tokens.ValidateAsync(created.Token))?.UserId);
        Assert.Equal(HttpStatusCode.OK, (await ClientWith(created.Token).GetAsync("/api/tables")).StatusCode);
    }

    [Fact]
    public async Task Use_RecordsLastUsed_AtMostOncePerMinute()
    {
        var created = await Tokens.CreateAsync(await NewUserAsync(), "used");
        Assert.Null(created.Info.LastUsedAt);
        var client = ClientWith(created.Token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tables")).StatusCode);
        var firstUse = factory.Time.GetUtcNow();
        Assert.Equal(firstUse, (await RowAsync(created.Info.Id)).LastUsedAt);

        factory.Time.Advance(TimeSpan.FromSeconds(30));
        await client.GetAsync("/api/tables");
        Assert.Equal(firstUse, (await RowAsync(created.Info.Id)).LastUsedAt);

        factory.Time.Advance(TimeSpan.FromMinutes(2));
        await client.GetAsync("/api/tables");
        Assert.Equal(factory.Time.GetUtcNow(), (await RowAsync(created.Info.Id)).LastUsedAt);
    }

    [Theory]
    [InlineData("")]
    [InlineData("undb_")]
    [InlineData("undb_unknown_token_value_123456")]
    [InlineData("uwk_somethingelse0123456789")]
    public async Task Validate_UnknownOrMalformedToken_IsNull(string token)
    {
        Assert.Null(await Tokens.ValidateAsync(token));
    }

    [Fact]
    public async Task Validate_OverlongToken_IsNull()
    {
        Assert.Null(await Tokens.ValidateAsync("undb_" + new string('a', 500)));
    }
}
