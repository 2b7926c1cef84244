using System.Net;
using CrafyCaptcha.Server.State;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.Server.Tests.State;

/// <summary>
/// The engine sends some independent store calls together (an eo's spent check and its load count; the flow record and
/// its proof-of-work mark; the answer's proof-of-work mark and flow), so that a store on a server answers them in one
/// round trip. Against a store that answers later, as Redis does, or at once, and fails one call of a pair: the step
/// fails closed (503) and the next flow passes. And the eo is claimed once when a token is issued.
/// </summary>
public sealed class PairedStoreCallsTests
{
    [Fact]
    public async Task A_store_that_answers_later_serves_whole_passes()
    {
        var store = new LaterStore();
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));

        for (int i = 0; i < 3; i++)
        {
            (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);
            Assert.False(string.IsNullOrEmpty(flowToken));
        }

        Assert.True(store.Deferred > 0, "the store should have answered later");
    }

    [Fact]
    public async Task The_calls_of_a_pair_are_in_flight_together()
    {
        // The flow record's save waits (at most 10 s) until its proof-of-work mark's save has started, and the answer's
        // proof-of-work take until its flow's take has: one after the other, a load and an answer would time out.
        var store = new LaterStore { Gates = { ["set flow:"] = "set pow:", ["take pow:"] = "take flow:" } };
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));

        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);

        Assert.False(string.IsNullOrEmpty(flowToken));
        Assert.Equal(2, store.GatesPassed);
    }

    [Theory]
    [InlineData("get", "eo-spent:")] // the eo's spent check fails, its load is counted
    [InlineData("increment", "eo-loads:")] // the load count fails, the spent check answers
    [InlineData("set", "flow:")] // the flow record fails, its proof-of-work mark is saved
    [InlineData("set", "pow:")] // the proof-of-work mark fails, the flow record is saved
    public async Task A_failed_call_of_either_half_fails_the_challenge_load_and_the_next_flow_passes(string operation, string failing)
    {
        foreach (bool later in (bool[])[true, false])
        {
            await FailedLoadAsync(new LaterStore { Later = later }, operation, failing);
        }
    }

    private static async Task FailedLoadAsync(LaterStore store, string operation, string failing)
    {
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));
        PageInit page = await engine.OpenPageAsync("/Comments");
        string eo = await engine.GetEoAsync(page, "comments");

        store.FailNext(operation, failing);
        using HttpResponseMessage refused = await engine.LoadChallengeAsync(page.PublicToken, eo);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(0, store.PendingFailures);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);
        Assert.False(string.IsNullOrEmpty(flowToken));
    }

    [Theory]
    [InlineData("take", "pow:")] // the answer's proof-of-work mark, taken with its flow
    [InlineData("take", "flow:")] // the answer's flow, taken with its proof-of-work mark
    [InlineData("tryadd", "eo-spent:")] // the eo's claim: the completed flow is not kept
    [InlineData("set", "flow-done:")] // the completed flow, after the claim
    public async Task A_failed_store_call_refuses_the_answer_and_leaves_no_flow_that_check_flow_accepts(string operation, string failing)
    {
        foreach (bool later in (bool[])[true, false])
        {
            await FailedAnswerAsync(new LaterStore { Later = later }, operation, failing);
        }
    }

    [Fact]
    public async Task Of_two_flows_of_one_eo_answered_at_once_one_gets_a_token()
    {
        var store = new LaterStore();
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));
        ChallengePage[] flows = await FlowsOfOneEoAsync(engine, 2);

        HttpResponseMessage[] answers = await Task.WhenAll(flows.Select(f => engine.AnswerAsync(f.FlowToken, f.Pow, EngineApp.Solve(f.Pow))));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, answers.Count(a => a.StatusCode != HttpStatusCode.OK && (int)a.StatusCode is >= 400 and < 500));
    }

    [Fact]
    public async Task A_second_flow_of_an_eo_that_got_its_token_is_refused_and_its_answer_keeps_no_completed_flow()
    {
        // The answer reads no spent mark before its checks: the claim refuses the flow of a spent eo.
        var store = new LaterStore();
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));
        ChallengePage[] flows = await FlowsOfOneEoAsync(engine, 2);
        (ChallengePage first, ChallengePage second) = (flows[0], flows[1]);

        using HttpResponseMessage passed = await engine.AnswerAsync(first.FlowToken, first.Pow, EngineApp.Solve(first.Pow));
        using HttpResponseMessage refused = await engine.AnswerAsync(second.FlowToken, second.Pow, EngineApp.Solve(second.Pow));

        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
        Assert.Contains("flow_unknown_or_spent", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        string bearer = await BearerAsync(engine);
        using HttpResponseMessage checkedSecond = await RestApi.CheckFlowAsync(engine.Client, bearer, second.FlowToken);
        Assert.Equal(HttpStatusCode.BadRequest, checkedSecond.StatusCode);
        using HttpResponseMessage checkedFirst = await RestApi.CheckFlowAsync(engine.Client, bearer, first.FlowToken);
        Assert.Equal(HttpStatusCode.OK, checkedFirst.StatusCode);
    }

    /// <summary>Loads <paramref name="count"/> flows of one eo (one page's options), in turn.</summary>
    private static async Task<ChallengePage[]> FlowsOfOneEoAsync(EngineApp engine, int count)
    {
        PageInit page = await engine.OpenPageAsync("/Comments");
        string eo = await engine.GetEoAsync(page, "comments");
        var flows = new ChallengePage[count];
        for (int i = 0; i < count; i++)
        {
            flows[i] = EngineApp.ReadChallenge(await (await engine.LoadChallengeAsync(page.PublicToken, eo)).Content.ReadAsStringAsync());
        }

        return flows;
    }

    /// <summary>A REST API bearer token of the engine's SDK keys (for <c>check_flow</c>).</summary>
    private static async Task<string> BearerAsync(EngineApp engine)
    {
        CrafyCaptchaOptions sdk = RestApi.SdkKeys(engine);
        return (string)(await RestApi.AuthenticateAsync(engine.Client, sdk.PublicKey!, sdk.SecretKey!))["token"]!;
    }

    private static async Task FailedAnswerAsync(LaterStore store, string operation, string failing)
    {
        using var engine = new EngineApp(services: s => s.AddSingleton<IChallengeStateStore>(sp => store.Over(sp)));
        PageInit page = await engine.OpenPageAsync("/Comments");
        ChallengePage challenge = EngineApp.ReadChallenge(await (await engine.LoadChallengeAsync(page.PublicToken, await engine.GetEoAsync(page, "comments"))).Content.ReadAsStringAsync());

        store.FailNext(operation, failing);
        using HttpResponseMessage answer = await engine.AnswerAsync(challenge.FlowToken, challenge.Pow, EngineApp.Solve(challenge.Pow));
        string body = await answer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.DoesNotContain("server_sign", body, StringComparison.Ordinal);
        Assert.Equal(0, store.PendingFailures);
        string bearer = await BearerAsync(engine);
        using HttpResponseMessage checkedFlow = await RestApi.CheckFlowAsync(engine.Client, bearer, challenge.FlowToken);
        Assert.Equal(HttpStatusCode.BadRequest, checkedFlow.StatusCode);
        (string flowToken, _) = await RestApi.CompleteFlowAsync(engine);
        Assert.False(string.IsNullOrEmpty(flowToken));
    }

    /// <summary>
    /// The real in-memory store; each call completes later (after a yield, as a network store's does) or, with
    /// <see cref="Later"/> off, at once. One call can be made to fail, and a call can wait for another to start.
    /// </summary>
    private sealed class LaterStore : IChallengeStateStore
    {
        private readonly Dictionary<string, TaskCompletionSource> _started = [];
        private IChallengeStateStore _inner = null!;
        private (string Operation, string Prefix)? _fail;
        private int _deferred, _gatesPassed;

        public bool Later { get; init; } = true;

        /// <summary>"operation prefix" of a call → "operation prefix" of the call that must have started before it completes.</summary>
        public Dictionary<string, string> Gates { get; } = [];

        public int GatesPassed => Volatile.Read(ref _gatesPassed);

        public int Deferred => Volatile.Read(ref _deferred);

        public int PendingFailures => _fail is null ? 0 : 1;

        public IChallengeStateStore Over(IServiceProvider services)
        {
            _inner = ActivatorUtilities.CreateInstance<InMemoryChallengeStateStore>(services);
            return this;
        }

        public void FailNext(string operation, string prefix) => _fail = (operation, prefix);

        public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
        {
            await LaterAsync("set", key);
            await _inner.SetAsync(key, value, timeToLive, cancellationToken);
        }

        public async ValueTask<bool> TryAddAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
        {
            await LaterAsync("tryadd", key);
            return await _inner.TryAddAsync(key, value, timeToLive, cancellationToken);
        }

        public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            await LaterAsync("get", key);
            return await _inner.GetAsync(key, cancellationToken);
        }

        public async ValueTask<byte[]?> TakeAsync(string key, CancellationToken cancellationToken = default)
        {
            await LaterAsync("take", key);
            return await _inner.TakeAsync(key, cancellationToken);
        }

        public async ValueTask<long> IncrementAsync(string key, TimeSpan timeToLive, CancellationToken cancellationToken = default)
        {
            await LaterAsync("increment", key);
            return await _inner.IncrementAsync(key, timeToLive, cancellationToken);
        }

        public async ValueTask<long> GetCountAsync(string key, CancellationToken cancellationToken = default)
        {
            await LaterAsync("count", key);
            return await _inner.GetCountAsync(key, cancellationToken);
        }

        private ValueTask LaterAsync(string operation, string key)
        {
            string call = operation + " " + key[..(key.IndexOf(':', StringComparison.Ordinal) + 1)];
            TaskCompletionSource? waitFor = null;
            lock (_started)
            {
                Started(call).TrySetResult();
                if (Gates.TryGetValue(call, out string? other))
                {
                    waitFor = Started(other);
                }
            }

            if (_fail is { } fail && fail.Operation == operation && key.StartsWith(fail.Prefix, StringComparison.Ordinal))
            {
                _fail = null;
                return Later ? new ValueTask(FailLaterAsync()) : ValueTask.FromException(new ChallengeStateUnavailableException("test outage"));
            }

            return waitFor is not null ? new ValueTask(GateAsync(waitFor.Task)) : Later ? new ValueTask(YieldAsync()) : default;
        }

        private TaskCompletionSource Started(string call)
            => _started.TryGetValue(call, out TaskCompletionSource? started) ? started : _started[call] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        private async Task YieldAsync()
        {
            await Task.Yield();
            Interlocked.Increment(ref _deferred);
        }

        private async Task FailLaterAsync()
        {
            await YieldAsync();
            throw new ChallengeStateUnavailableException("test outage");
        }

        private async Task GateAsync(Task started)
        {
            await started.WaitAsync(TimeSpan.FromSeconds(10));
            Interlocked.Increment(ref _gatesPassed);
            await YieldAsync();
        }
    }
}
