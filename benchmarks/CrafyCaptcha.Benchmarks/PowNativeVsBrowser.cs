extern alias engine;

using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using engine::CrafyCaptcha.Server.Pow;
using engine::CrafyCaptcha.Server.Rendering;
using Microsoft.Playwright;
using NSec.Cryptography;

namespace CrafyCaptcha.Benchmarks;

/// <summary>
/// The native advantage on the same challenges, from one run: the engine makes <c>count</c> SHA-256 challenges
/// (ALTCHA v1, the invisible pass's) and <c>count</c> Argon2id ones (ALTCHA PoW v2, <c>memoryKiB</c>, <c>iterations</c>);
/// each set is solved once by native code on one thread (.NET's SHA256 over a reused buffer; libsodium's Argon2id
/// through NSec) and once by the challenge page's own worker in the benchmark's headless Debian chromium (one Web
/// Worker, the engine's <c>pow-worker-argon2id.js</c>: fast-sha256 in JavaScript, hash-wasm's Argon2id in WebAssembly),
/// challenge by challenge, alternating native and browser so that both meet the same load on a shared machine. Both count
/// the same candidates (the numbers found + 1), so the ratio of rates is the ratio of times. Both sides are warmed with
/// one challenge of each kind first (JIT, WebAssembly compile). The browser's time is taken in the page.
/// Run: <c>dotnet run -c Release --project benchmarks/CrafyCaptcha.Benchmarks -- pow-native [count] [memoryKiB] [iterations] [shaMax] [argonMax]</c>.
/// </summary>
internal static class PowNativeVsBrowser
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i && int.TryParse(args[i], CultureInfo.InvariantCulture, out int v) ? v : fallback;
        int count = Arg(1, 20), memoryKiB = Arg(2, 8192), iterations = Arg(3, 1), shaMax = Arg(4, 200_000), argonMax = Arg(5, 16);
        byte[] key = RandomNumberGenerator.GetBytes(32);
        DateTimeOffset expires = DateTimeOffset.UtcNow.AddHours(1);
        PowChallenge[] sha = [.. Enumerable.Range(0, count).Select(_ => PowChallenge.Create(key, Guid.NewGuid().ToString(), "pk", shaMax, expires))];
        PowChallenge[] argon = [.. Enumerable.Range(0, count).Select(_ => Argon2idPow.Create(key, Guid.NewGuid().ToString(), "pk", argonMax, expires, 1, memoryKiB, iterations))];

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await SampleSite.LaunchChromiumAsync(playwright);
        string version = browser.Version;
        IPage page = await browser.NewPageAsync();
        // A page of its own origin (routed, offline) with the engine's Argon2id CSP, so the worker runs as on the challenge page.
        await page.RouteAsync("http://pow.bench/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/html",
            Headers = new Dictionary<string, string> { ["Content-Security-Policy"] = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; worker-src blob:" },
            Body = "<!DOCTYPE html><title>pow</title>",
        }));
        await page.GotoAsync("http://pow.bench/");
        await page.EvaluateAsync(StartWorker, EngineAssets.Text(EngineAssets.Argon2idWorker));

        // Warm both sides with one challenge of each kind (JIT, WebAssembly compile, libsodium's first allocation), then
        // alternate native and browser challenge by challenge, so that both see the same load on a shared machine.
        SolveSha256(sha[0]);
        SolveSha256Midstate(sha[0]);
        SolveSha256OpenSslMidstate(sha[0]);
        SolveArgon2id(argon[0]);
        await BrowserSolveAsync(page, sha[0]);
        await BrowserSolveAsync(page, argon[0]);
        var totals = new Dictionary<string, (long Candidates, double Native, double Browser)> { ["sha"] = default, ["argon"] = default, ["midstate"] = default, ["openssl"] = default };
        for (int i = 0; i < count; i++)
        {
            foreach ((string kind, PowChallenge challenge, Func<PowChallenge, long> solve) in new[] { ("sha", sha[i], (Func<PowChallenge, long>)SolveSha256), ("midstate", sha[i], SolveSha256Midstate), ("openssl", sha[i], SolveSha256OpenSslMidstate), ("argon", argon[i], SolveArgon2id) })
            {
                var clock = Stopwatch.StartNew();
                long number = solve(challenge);
                double native = clock.Elapsed.TotalMilliseconds;
                (long found, double inBrowser) = await BrowserSolveAsync(page, challenge); // SHA-256: the browser's time twice, once beside each native solver
                if (found != number)
                {
                    Console.Error.WriteLine($"pow-native: the browser found {found}, native code {number}");
                    return 1;
                }

                (long c, double n, double b) = totals[kind];
                totals[kind] = (c + number + 1, n + native, b + inBrowser);
            }
        }

        (long shaCandidates, double shaNative, double shaBrowser) = totals["sha"];
        (long argonCandidates, double argonNative, double argonBrowser) = totals["argon"];
        (long midCandidates, double midNative, double midBrowser) = totals["midstate"];
        (long sslCandidates, double sslNative, double sslBrowser) = totals["openssl"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pow-native: {count} challenges of each kind, one thread natively, one Web Worker in {version} (headless), {Environment.ProcessorCount} cores"));
        Report("SHA-256 (ALTCHA v1), native = .NET SHA256.HashData per candidate", $"maxnumber {shaMax}", shaCandidates, shaNative, shaBrowser);
        Report("SHA-256 (ALTCHA v1), native = libsodium with the salt's midstate", $"maxnumber {shaMax}", midCandidates, midNative, midBrowser);
        Report("SHA-256 (ALTCHA v1), native = OpenSSL (.NET IncrementalHash) with the midstate cloned", $"maxnumber {shaMax}", sslCandidates, sslNative, sslBrowser);
        Report("Argon2id (ALTCHA PoW v2)", $"{memoryKiB} KiB, {iterations} pass(es), counters 0..{argonMax}", argonCandidates, argonNative, argonBrowser);
        return 0;
    }

    private static void Report(string kind, string parameters, long candidates, double nativeMs, double browserMs)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {kind}, {parameters}: {candidates} candidates; native {nativeMs:F0} ms ({candidates / nativeMs * 1000:F0}/s), browser {browserMs:F0} ms ({candidates / browserMs * 1000:F0}/s); native advantage {browserMs / nativeMs:F2}x"));

    private delegate void TailHash(ReadOnlySpan<byte> tail, Span<byte> digest);

    /// <summary>SHA-256 by .NET's one-shot <c>SHA256.HashData</c> (OpenSSL) of the whole salt and number, per candidate.</summary>
    private static long SolveSha256(PowChallenge challenge)
        => SearchSha256(challenge, midstate: false, (_, _) => (tail, digest) => SHA256.HashData(tail, digest));

    /// <summary>
    /// SHA-256 as a native attacker runs it: libsodium's (through NSec's incremental hash) with the salt's whole blocks
    /// absorbed once; each candidate copies that state (a struct) and adds the salt's tail and the digits.
    /// </summary>
    private static long SolveSha256Midstate(PowChallenge challenge)
        => SearchSha256(challenge, midstate: true, (salt, head) =>
        {
            NSec.Cryptography.IncrementalHash.Initialize(NSec.Cryptography.HashAlgorithm.Sha256, out NSec.Cryptography.IncrementalHash midstate);
            NSec.Cryptography.IncrementalHash.Update(ref midstate, salt.AsSpan(0, head));
            return (tail, digest) =>
            {
                NSec.Cryptography.IncrementalHash state = midstate;
                NSec.Cryptography.IncrementalHash.Update(ref state, tail);
                NSec.Cryptography.IncrementalHash.Finalize(ref state, digest);
            };
        });

    /// <summary>SHA-256 by OpenSSL (.NET's IncrementalHash, SHA-NI where the CPU has it) with the salt's midstate cloned per candidate.</summary>
    private static long SolveSha256OpenSslMidstate(PowChallenge challenge)
        => SearchSha256(challenge, midstate: true, (salt, head) =>
        {
            var midstate = System.Security.Cryptography.IncrementalHash.CreateHash(HashAlgorithmName.SHA256); // one per challenge, left to the GC
            midstate.AppendData(salt, 0, head);
            return (tail, digest) =>
            {
                using System.Security.Cryptography.IncrementalHash state = midstate.Clone();
                state.AppendData(tail);
                state.GetHashAndReset(digest);
            };
        });

    /// <summary>Numbers 0..maxnumber: the salt's tail (all of it without <paramref name="midstate"/>) and the digits, hashed by <paramref name="begin"/>'s function.</summary>
    private static long SearchSha256(PowChallenge challenge, bool midstate, Func<byte[], int, TailHash> begin)
    {
        byte[] salt = Encoding.UTF8.GetBytes(challenge.Salt!), target = Convert.FromHexString(challenge.Challenge);
        int head = midstate ? salt.Length - salt.Length % 64 : 0, tailLength = salt.Length - head;
        TailHash hash = begin(salt, head);
        byte[] tail = new byte[tailLength + 20];
        salt.AsSpan(head).CopyTo(tail);
        Span<byte> digest = stackalloc byte[32];
        for (long n = 0; n <= challenge.MaxNumber; n++)
        {
            Utf8Formatter.TryFormat(n, tail.AsSpan(tailLength), out int written);
            hash(tail.AsSpan(0, tailLength + written), digest);
            if (digest.SequenceEqual(target))
            {
                return n;
            }
        }

        throw new InvalidOperationException("no number");
    }

    private static long SolveArgon2id(PowChallenge challenge)
    {
        using var json = JsonDocument.Parse(challenge.Challenge);
        JsonElement p = json.RootElement;
        byte[] nonce = Convert.FromHexString(p.GetProperty("nonce").GetString()!), salt = Convert.FromHexString(p.GetProperty("salt").GetString()!);
        byte[] prefix = Convert.FromHexString(p.GetProperty("keyPrefix").GetString()!);
        var argon2id = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = p.GetProperty("memoryCost").GetInt32(), NumberOfPasses = p.GetProperty("cost").GetInt32() });
        byte[] password = [.. nonce, 0, 0, 0, 0];
        byte[] key = new byte[32];
        for (int n = 0; n <= challenge.MaxNumber; n++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(password.AsSpan(nonce.Length), (uint)n);
            argon2id.DeriveBytes(password, salt, key);
            if (key.AsSpan(0, prefix.Length).SequenceEqual(prefix))
            {
                return n;
            }
        }

        throw new InvalidOperationException("no counter");
    }

    private const string StartWorker = """
        worker => {
          window.powWorker = new Worker(URL.createObjectURL(new Blob([worker], { type: 'text/javascript' })));
        }
        """;

    // One challenge in the page's worker, timed in the page (no driver round trip in the time).
    private const string Solve = """
        c => new Promise((resolve, reject) => {
          const w = window.powWorker, t0 = performance.now();
          w.onmessage = e => { if (e.data && typeof e.data.progress === 'number') { return; } resolve([e.data.number, performance.now() - t0]); };
          w.onerror = e => reject(new Error(e.message));
          w.postMessage({ algorithm: c.algorithm, challenge: c.challenge, salt: c.salt, maxnumber: c.maxnumber, start: 0, step: 1 });
        })
        """;

    private static async Task<(long Number, double Milliseconds)> BrowserSolveAsync(IPage page, PowChallenge c)
    {
        double[] result = await page.EvaluateAsync<double[]>(Solve, new { algorithm = c.Algorithm, challenge = c.Challenge, salt = c.Salt, maxnumber = c.MaxNumber });
        return ((long)result[0], result[1]);
    }
}
