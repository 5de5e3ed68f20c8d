using Microsoft.Extensions.Options;
using Undb.Tests.TestSupport;

namespace Undb.Tests.Features.Webhooks.Incoming;

public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("IncomingWebhooks:MaxBodyBytes", "0")]
    [InlineData("IncomingWebhooks:RateLimitPermits", "0")]
    [InlineData("IncomingWebhooks:RateLimitWindow", "00:00:00")]
    [InlineData("IncomingWebhooks:MaxRecordsPerRequest", "0")]
    [InlineData("IncomingWebhooks:UnauthenticatedRateLimitPermits", "0")]
    [InlineData("IncomingWebhooks:UnauthenticatedRateLimitWindow", "00:00:00")]
    [InlineData("IncomingWebhooks:LogMaxRequests", "0")]
    [InlineData("IncomingWebhooks:PublicBaseUrl", "not a url")]
    public void InvalidOptions_StopTheAppAtStart(string key, string value)
    {
        using var factory = new UndbFactory();
        factory.Settings[key] = value;
        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var validation = Assert.IsType<OptionsValidationException>(ex as OptionsValidationException ?? ex.GetBaseException());
        Assert.Contains(key.Split(':')[1], validation.Message);
    }
}
