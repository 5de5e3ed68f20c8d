using System.Net;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Tables;

public sealed class AuthTests(UndbFactory factory) : IClassFixture<UndbFactory>
{
    [Fact]
    public async Task Api_WithoutToken_Is401()
    {
        var response = await factory.CreateAnonymousClient().GetAsync("/api/tables");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_WithBootstrapToken_Is200()
    {
        var response = await factory.CreateApiClient().GetAsync("/api/tables");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
