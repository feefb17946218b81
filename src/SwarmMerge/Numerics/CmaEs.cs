namespace SwarmMerge.Numerics;

/// <summary>
/// The standard (μ/μ_w, λ)-CMA-ES, minimizing, as in Hansen's tutorial ("The CMA Evolution Strategy: A
/// Tutorial", 2016): log-rank weights over the best half, cumulative step-size adaptation (c_σ, d_σ), rank-one
/// (c₁, p_c with the h_σ stall) and rank-μ (c_μ) covariance updates, and an eigendecomposition of C (by
/// <see cref="SymmetricEigen"/>) refreshed every max(1, ⌊1/(10n(c₁+c_μ))⌋) generations. Ask–tell: <see cref="Ask"/>
/// samples a generation, <see cref="Tell"/> takes its values. Deterministic given the seed.
/// </summary>
public sealed class CmaEs
{
    private readonly CmaEsSettings _settings;
    private readonly SearchRandom _random;
    private readonly int _n;
    private readonly double[] _weights;
    private readonly double _muEff, _cSigma, _dSigma, _cc, _c1, _cMu, _chiN;
    private readonly double[] _pSigma, _pc;
    private readonly double[,] _c;
    private double[,] _b;
    private double[] _d;
    private int _eigenGeneration;
    private double[][] _asked = [];
    private readonly List<double> _bestHistory = [];
    private double _lastRange = double.PositiveInfinity;

    /// <summary>A strategy starting at mean <paramref name="mean"/> with step size <see cref="CmaEsSettings.Sigma0"/> and C = I.</summary>
    public CmaEs(IReadOnlyList<double> mean, CmaEsSettings settings)
    {
        _n = mean.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(_n, 1, nameof(mean));
        if (!(settings.Sigma0 > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), $"σ₀ must be positive; it is {settings.Sigma0}.");
        }
        _settings = settings;
        _random = new SearchRandom(settings.Seed, "cma-es");
        Mean = [.. mean];
        Sigma = settings.Sigma0;
        Lambda = settings.PopulationSize ?? 4 + (int)Math.Floor(3 * Math.Log(_n));
        ArgumentOutOfRangeException.ThrowIfLessThan(Lambda, 2, nameof(settings));
        Mu = Lambda / 2;

        _weights = new double[Mu];
        for (int i = 0; i < Mu; i++)
        {
            _weights[i] = Math.Log((Lambda + 1) / 2.0) - Math.Log(i + 1);
        }
        double sum = _weights.Sum();
        for (int i = 0; i < Mu; i++)
        {
            _weights[i] /= sum;
        }
        _muEff = 1 / _weights.Sum(w => w * w);

        _cSigma = (_muEff + 2) / (_n + _muEff + 5);
        _dSigma = 1 + 2 * Math.Max(0, Math.Sqrt((_muEff - 1) / (_n + 1)) - 1) + _cSigma;
        _cc = (4 + _muEff / _n) / (_n + 4 + 2 * _muEff / _n);
        _c1 = 2 / ((_n + 1.3) * (_n + 1.3) + _muEff);
        _cMu = Math.Min(1 - _c1, 2 * (_muEff - 2 + 1 / _muEff) / ((_n + 2) * (_n + 2) + _muEff));
        _chiN = Math.Sqrt(_n) * (1 - 1.0 / (4 * _n) + 1.0 / (21.0 * _n * _n));

        _pSigma = new double[_n];
        _pc = new double[_n];
        _c = new double[_n, _n];
        _b = new double[_n, _n];
        _d = new double[_n];
        for (int i = 0; i < _n; i++)
        {
            _c[i, i] = _b[i, i] = _d[i] = 1;
        }
    }

    /// <summary>The distribution mean m.</summary>
    public double[] Mean { get; }

    /// <summary>The step size σ.</summary>
    public double Sigma { get; private set; }

    /// <summary>Population size λ.</summary>
    public int Lambda { get; }

    /// <summary>Number of parents μ.</summary>
    public int Mu { get; }

    /// <summary>Generations told so far.</summary>
    public int Generation { get; private set; }

    /// <summary>The best point told so far, and its value.</summary>
    public (double[] Point, double Value) Best { get; private set; } = ([], double.PositiveInfinity);

    /// <summary>Samples λ points x = m + σ·B·D·z, z ~ N(0, I).</summary>
    public double[][] Ask()
    {
        _asked = new double[Lambda][];
        for (int k = 0; k < Lambda; k++)
        {
            var z = new double[_n];
            for (int i = 0; i < _n; i++)
            {
                z[i] = _d[i] * _random.NextGaussian();
            }
            var x = new double[_n];
            for (int i = 0; i < _n; i++)
            {
                double y = 0;
                for (int j = 0; j < _n; j++)
                {
                    y += _b[i, j] * z[j];
                }
                x[i] = Mean[i] + Sigma * y;
            }
            _asked[k] = x;
        }
        return _asked.Select(x => (double[])x.Clone()).ToArray();
    }

    /// <summary>Updates the distribution from the values (lower is better; +∞ allowed) of the points of the last <see cref="Ask"/>, in order.</summary>
    public void Tell(IReadOnlyList<double> values)
    {
        if (values.Count != Lambda || _asked.Length != Lambda)
        {
            throw new ArgumentException($"Tell takes the {Lambda} values of the last Ask, in order.", nameof(values));
        }
        var order = Enumerable.Range(0, Lambda).OrderBy(k => values[k]).ThenBy(k => k).ToArray();
        if (values[order[0]] < Best.Value)
        {
            Best = ((double[])_asked[order[0]].Clone(), values[order[0]]);
        }

        var old = (double[])Mean.Clone();
        var yw = new double[_n];
        for (int i = 0; i < Mu; i++)
        {
            var x = _asked[order[i]];
            for (int j = 0; j < _n; j++)
            {
                yw[j] += _weights[i] * (x[j] - old[j]) / Sigma;
            }
        }
        for (int j = 0; j < _n; j++)
        {
            Mean[j] = old[j] + Sigma * yw[j];
        }

        // p_σ ← (1 − c_σ)·p_σ + √(c_σ(2 − c_σ)μ_eff)·C^(−1/2)·y_w, with C^(−1/2) = B·D⁻¹·Bᵀ.
        var invSqrt = MultiplyInverseSqrt(yw);
        double sigmaFactor = Math.Sqrt(_cSigma * (2 - _cSigma) * _muEff);
        for (int j = 0; j < _n; j++)
        {
            _pSigma[j] = (1 - _cSigma) * _pSigma[j] + sigmaFactor * invSqrt[j];
        }
        double pSigmaNorm = Math.Sqrt(_pSigma.Sum(p => p * p));
        Generation++;
        bool hSigma = pSigmaNorm / Math.Sqrt(1 - Math.Pow(1 - _cSigma, 2 * Generation)) < (1.4 + 2.0 / (_n + 1)) * _chiN;
        double cFactor = Math.Sqrt(_cc * (2 - _cc) * _muEff);
        for (int j = 0; j < _n; j++)
        {
            _pc[j] = (1 - _cc) * _pc[j] + (hSigma ? cFactor * yw[j] : 0);
        }

        // C ← (1 + c₁δ(h_σ) − c₁ − c_μ)·C + c₁·p_c·p_cᵀ + c_μ·Σ wᵢ·yᵢ·yᵢᵀ.
        double delta = hSigma ? 0 : _cc * (2 - _cc);
        double keep = 1 + _c1 * delta - _c1 - _cMu;
        var ys = new double[Mu][];
        for (int i = 0; i < Mu; i++)
        {
            var x = _asked[order[i]];
            ys[i] = new double[_n];
            for (int j = 0; j < _n; j++)
            {
                ys[i][j] = (x[j] - old[j]) / Sigma;
            }
        }
        for (int r = 0; r < _n; r++)
        {
            for (int s = 0; s <= r; s++)
            {
                double rankMu = 0;
                for (int i = 0; i < Mu; i++)
                {
                    rankMu += _weights[i] * ys[i][r] * ys[i][s];
                }
                _c[r, s] = _c[s, r] = keep * _c[r, s] + _c1 * _pc[r] * _pc[s] + _cMu * rankMu;
            }
        }

        Sigma *= Math.Exp(_cSigma / _dSigma * (pSigmaNorm / _chiN - 1));

        if (Generation - _eigenGeneration >= Math.Max(1, (int)(1 / (10 * _n * (_c1 + _cMu)))))
        {
            _eigenGeneration = Generation;
            var (eigenvalues, vectors) = SymmetricEigen.Decompose(_c);
            _b = vectors;
            _d = eigenvalues.Select(e => Math.Sqrt(Math.Max(e, 1e-300))).ToArray();
        }

        var finite = values.Where(double.IsFinite).ToList();
        _lastRange = finite.Count == Lambda ? finite.Max() - finite.Min() : double.PositiveInfinity;
        _bestHistory.Add(values[order[0]]);
    }

    /// <summary>True (and why) when the strategy should stop: generations spent, values flat (TolFun), steps tiny (TolX), or C degenerate.</summary>
    public bool ShouldStop(out string reason)
    {
        reason = "";
        int window = 10 + (int)Math.Ceiling(30.0 * _n / Lambda);
        if (Generation >= _settings.MaxGenerations)
        {
            reason = "generations";
        }
        else if (_bestHistory.Count >= window && _lastRange < _settings.TolFun
            && _bestHistory.TakeLast(window).Max() - _bestHistory.TakeLast(window).Min() < _settings.TolFun)
        {
            reason = "tolfun";
        }
        else if (Enumerable.Range(0, _n).All(i => Sigma * Math.Sqrt(_c[i, i]) < _settings.TolX && Sigma * Math.Abs(_pc[i]) < _settings.TolX))
        {
            reason = "tolx";
        }
        else if (_d.Max() > 1e7 * _d.Min())
        {
            reason = "condition";
        }
        return reason.Length > 0;
    }

    private double[] MultiplyInverseSqrt(double[] y)
    {
        var t = new double[_n];
        for (int j = 0; j < _n; j++)
        {
            double s = 0;
            for (int i = 0; i < _n; i++)
            {
                s += _b[i, j] * y[i];
            }
            t[j] = s / _d[j];
        }
        var result = new double[_n];
        for (int i = 0; i < _n; i++)
        {
            double s = 0;
            for (int j = 0; j < _n; j++)
            {
                s += _b[i, j] * t[j];
            }
            result[i] = s;
        }
        return result;
    }

    /// <summary>Minimizes <paramref name="function"/> from <paramref name="start"/> until a stop condition or <paramref name="maxEvaluations"/>.</summary>
    /// <returns>The best point, its value, and the evaluations used.</returns>
    public static (double[] Point, double Value, int Evaluations) Minimize(Func<double[], double> function, IReadOnlyList<double> start, CmaEsSettings settings, int maxEvaluations)
    {
        var strategy = new CmaEs(start, settings);
        int evaluations = 0;
        while (evaluations + strategy.Lambda <= maxEvaluations && !strategy.ShouldStop(out _))
        {
            var points = strategy.Ask();
            strategy.Tell(points.Select(function).ToArray());
            evaluations += points.Length;
        }
        return (strategy.Best.Point, strategy.Best.Value, evaluations);
    }
}
