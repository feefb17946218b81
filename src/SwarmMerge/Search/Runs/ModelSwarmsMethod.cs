using SwarmMerge.Search.Methods;
using SwarmMerge.Search.Space;

namespace SwarmMerge.Search.Runs;

/// <summary><c>model_swarms</c>: Model Swarms over the shared coefficient space, with the official code's defaults.</summary>
public sealed class ModelSwarmsMethod : ISearchMethod
{
    private static readonly string[] Keys =
        ["swarm_size", "inertia", "cognitive", "social", "repel", "random_weights", "step_length", "step_decay", "min_step_length",
         "max_iterations", "patience", "restart", "restart_patience", "starting_velocity", .. SearchSettings.SelectionKeys];

    /// <inheritdoc />
    public SearchKind Kind => SearchKind.ModelSwarms;

    /// <inheritdoc />
    public ISearch Create(SearchMethodConfig entry, SearchConfig config, SwarmMaterializer space, int budget)
    {
        var s = new SearchSettings(entry.Settings, Kind.ConfigName());
        s.Check(Keys);
        var official = new ModelSwarmsSettings();
        var swarms = new ModelSwarmsSettings
        {
            SwarmSize = s.Has("swarm_size") ? s.Integer("swarm_size", 0, 1) : null,
            Inertia = s.Number("inertia", official.Inertia, SettingBound.AtLeast(0)),
            Cognitive = s.Number("cognitive", official.Cognitive, SettingBound.AtLeast(0)),
            Social = s.Number("social", official.Social, SettingBound.AtLeast(0)),
            Repel = s.Number("repel", official.Repel, SettingBound.AtLeast(0)),
            RandomWeights = s.Flag("random_weights", official.RandomWeights),
            StepLength = s.Number("step_length", official.StepLength, SettingBound.Above(0)),
            StepDecay = s.Number("step_decay", official.StepDecay, new SettingBound(0, 1, LowerOpen: true)),
            MinimumStepLength = s.Number("min_step_length", official.MinimumStepLength, SettingBound.AtLeast(0)),
            MaxIterations = s.Integer("max_iterations", official.MaxIterations, 0),
            Patience = s.Integer("patience", official.Patience, 1),
            RestartStrayParticles = s.Flag("restart", official.RestartStrayParticles),
            RestartPatience = s.Number("restart_patience", official.RestartPatience, SettingBound.Above(0)),
            StartingVelocity = s.Choice("starting_velocity", "random", "random, zero or best",
                ("random", ModelSwarmsStartingVelocity.Random), ("zero", ModelSwarmsStartingVelocity.Zero), ("best", ModelSwarmsStartingVelocity.Best)),
            Seed = config.Seed,
        };
        if (!(swarms.Inertia + swarms.Cognitive + swarms.Social + swarms.Repel > 0))
        {
            throw new SearchConfigException("model_swarms: 'inertia', 'cognitive', 'social' and 'repel' are normalized by their sum, so at least one must be > 0.");
        }
        swarms.Validate();
        return new ModelSwarmsSearch(space.Space, swarms);
    }
}
