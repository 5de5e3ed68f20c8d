using Microsoft.Extensions.Options;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

public sealed class OptionsTests
{
    [Fact]
    public void Validator_LeaseNotLongerThanAttemptTimeout_IsRejected()
    {
        var result = new WebhooksOptionsValidator().Validate(null, new WebhooksOptions { AttemptTimeout = TimeSpan.FromSeconds(30), LeaseDuration = TimeSpan.FromSeconds(30) });
        Assert.True(result.Failed);
        Assert.Contains("LeaseDuration", result.FailureMessage);
    }

    [Fact]
    public void Validator_Defaults_AreValid_AndScheduleIsTheDesignOne()
    {
        var options = new WebhooksOptions();
        Assert.True(new WebhooksOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(
            new[] { TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10) },
            options.EffectiveRetrySchedule);
        Assert.False(options.AllowPrivateNetworks);
        Assert.Equal(TimeSpan.FromSeconds(15), options.AttemptTimeout);
        Assert.Equal(TimeSpan.FromDays(5), options.AutoDisableAfter);
    }

    [Fact]
    public void App_WithInvalidWebhookSettings_RefusesToStart()
    {
        using var factory = new OutboundFactory();
        factory.Settings["Webhooks:LeaseDuration"] = "00:00:01";
        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains(Chain(ex), e => e is OptionsValidationException);
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
