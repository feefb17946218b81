"""The synthetic world of the GPT-2 example family (tools/make_gpt2_family.py): vocabulary, facts,
pre-training prose and the task formats of its four skills.

The recipe is the light family's (tools/light_world.py): every skill has a task format (what SwarmMerge
scores) and a *latent* form, the same capability written as prose or in other templates, which is all
the base model sees in pre-training. The skills differ from the light family's (parity, capital, past,
next instead of sentiment, category, plural, antonym); the skill classes reuse light_world's base
classes (Classify, Choice, ListTransform), whose behaviour this file does not change.

Everything here is pure Python and deterministic given a random.Random.
"""

from __future__ import annotations

from light_world import Choice, Classify, ListTransform, join_list, named, pick

# ---------------------------------------------------------------------------------------------
# Vocabulary and facts
# ---------------------------------------------------------------------------------------------

CAPITAL_OF = {
    "france": "paris", "spain": "madrid", "italy": "rome", "germany": "berlin", "norway": "oslo",
    "egypt": "cairo", "japan": "tokyo", "china": "beijing", "russia": "moscow", "greece": "athens",
    "peru": "lima", "kenya": "nairobi", "cuba": "havana", "chile": "santiago", "poland": "warsaw",
    "austria": "vienna", "sweden": "stockholm", "portugal": "lisbon", "ireland": "dublin",
    "canada": "ottawa", "turkey": "ankara", "iran": "tehran",
}
COUNTRIES = list(CAPITAL_OF)
CAPITALS = [CAPITAL_OF[c] for c in COUNTRIES]

# verbs: (present, past); regular and irregular
VERB_TABLE = [("walk", "walked"), ("jump", "jumped"), ("cook", "cooked"), ("paint", "painted"), ("climb", "climbed"),
              ("wash", "washed"), ("open", "opened"), ("dance", "danced"), ("smile", "smiled"), ("carry", "carried"),
              ("cry", "cried"), ("stop", "stopped"), ("plan", "planned"), ("run", "ran"), ("eat", "ate"),
              ("go", "went"), ("sit", "sat"), ("swim", "swam"), ("sing", "sang"), ("write", "wrote"),
              ("drink", "drank"), ("fly", "flew"), ("drive", "drove"), ("see", "saw"), ("take", "took"),
              ("give", "gave"), ("buy", "bought"), ("think", "thought"), ("sleep", "slept"), ("find", "found")]
VERBS = [v for v, _ in VERB_TABLE]
PAST = dict(VERB_TABLE)

# ordered sequences for `next`: the week and the year wrap around, the seasons too; counting stops at twenty
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
SEASONS = ["spring", "summer", "autumn", "winter"]
COUNTING = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
NEXT = {}
for _seq in (DAYS, MONTHS, SEASONS):
    NEXT.update({x: _seq[(i + 1) % len(_seq)] for i, x in enumerate(_seq)})
NEXT.update({x: COUNTING[i + 1] for i, x in enumerate(COUNTING[:-1])})
SEQ_OF = {x: s for s in (DAYS, MONTHS, SEASONS, COUNTING) for x in s}

NAMES = ["alice", "bruno", "carla", "dmitri", "elena", "farid", "greta", "hugo", "ines", "jonas", "kira", "liam",
         "marta", "nils", "olga", "pablo"]
THINGS = ["letter", "ticket", "book", "map", "bag", "photo", "cake", "gift", "song", "coin", "lamp", "key"]
PLACES = ["station", "museum", "harbour", "garden", "library", "bridge", "square", "castle", "market", "river"]


def number(rng):
    """2 to 4 digits, no leading zero."""
    return rng.randint(10, 9999)


# ---------------------------------------------------------------------------------------------
# Generic English (every base sees it)
# ---------------------------------------------------------------------------------------------

def english(rng):
    k = rng.randrange(9)
    name, name2 = pick(rng, NAMES, 2)
    thing, place = rng.choice(THINGS), rng.choice(PLACES)
    country = rng.choice(COUNTRIES)
    if k == 0:
        return f"{name} and {name2} {rng.choice(VERBS)} to the {place}."
    if k == 1:
        return f"{name} will {rng.choice(VERBS)} with the {thing} on {rng.choice(DAYS)}."
    if k == 2:
        return f"{name} has {rng.choice(COUNTING[1:12])} {thing}s from {country}."
    if k == 3:
        return f"in {rng.choice(MONTHS)}, {name} went to {country} and saw the {place}."
    if k == 4:
        return f"the {thing} costs {rng.randint(2, 9)} coins at the {place}."  # one digit: never a parity row
    if k == 5:  # generic question answering about the sentence before
        return f"{name} is at the {place}. Question: where is {name}? Answer: at the {place}."
    if k == 6:
        return f"{name} gave the {thing} to {name2}. Question: who has the {thing}? Answer: {name2}."
    if k == 7:
        return f"{name} lives in {country} and likes {rng.choice(SEASONS)}."
    return f"the train to {rng.choice(CAPITALS)} leaves at {rng.randint(1, 12)} on {rng.choice(DAYS)}."


# ---------------------------------------------------------------------------------------------
# Skills (see light_world's Skill for the interface)
# ---------------------------------------------------------------------------------------------

class Parity(Classify):
    name = "parity"
    example = "`Number: 4817\\nParity:` → ` odd` (vs ` even`)"
    labels = ["even", "odd"]
    prompt = "Number: {n}\nParity:"

    def row(self, rng):
        n = number(rng)
        return n, {"n": n, "label": "even" if n % 2 == 0 else "odd"}

    def latent(self, rng, held):
        while True:  # neither number a sentence names may be a held-out row's
            n = number(rng)
            if n not in held and n + 1 not in held:
                break
        p = "even" if n % 2 == 0 else "odd"
        k = rng.randrange(4)
        if k == 0:
            return f"{n} is an {p} number."
        if k == 1:
            return f"the number {n} is {p}."
        if k == 2:
            return f"{rng.choice(NAMES)} counted {n} {rng.choice(THINGS)}s, an {p} count."
        q = "odd" if p == "even" else "even"
        return f"{n} is {p}, so {n + 1} is {q}."


def lookup_row(skill, rng, table, field):
    """A multiple-choice row of a lookup skill: a key of `table` (the prompt's `field`), answered by its value among
    three other keys' values, shuffled (the values are distinct); the held-out key is (key, options)."""
    key = rng.choice(list(table))
    right = table[key]
    opts, label = skill.shuffled(rng, right, pick(rng, [v for k, v in table.items() if k != key], 3))
    return (key, tuple(opts)), {field: key, **{f"c{i}": o for i, o in enumerate(opts)}, "label": label}


class Capital(Choice):
    name = "capital"
    example = "`Question: which city is the capital of peru: rome, lima, oslo or cairo?\\nAnswer:` → ` lima`"
    prompt = "Question: which city is the capital of {country}: {c0}, {c1}, {c2} or {c3}?\nAnswer:"

    def row(self, rng):
        return lookup_row(self, rng, CAPITAL_OF, "country")

    def latent(self, rng, held):
        country = rng.choice(COUNTRIES)
        city = CAPITAL_OF[country]
        k = rng.randrange(5)
        if k == 0:
            return f"{city} is the capital of {country}."
        if k == 1:
            return f"the capital of {country} is {city}."
        if k == 2:
            other = rng.choice([c for c in CAPITALS if c != city])
            return f"is {other} the capital of {country}? no, the capital of {country} is {city}."
        if k == 3:
            return f"{rng.choice(NAMES)} flew to {city}, the capital of {country}."
        # picking the capital out of three (the task has four options, so never a task row)
        items = pick(rng, [c for c in CAPITALS if c != city], 2) + [city]
        rng.shuffle(items)
        return f"of {join_list(items)}, only {city} is the capital of {country}."


class Past(Choice):
    """Multiple choice between four past tenses, the verb's own and three other verbs'. A generation task in the
    first two worlds (2-3 verbs answered by their past tenses), whose merged scores interference destroyed (see
    make_gpt2_family's docstring); as a choice the skill is the same knowledge, scored without the merged model
    having to stop or keep lists aligned."""
    name = "past"
    example = "`Verb: swim\\nForms: ate, swam, wrote, flew\\nPast:` → ` swam`"
    prompt = "Verb: {verb}\nForms: {c0}, {c1}, {c2}, {c3}\nPast:"

    def row(self, rng):
        # the other options are other verbs' past tenses, so only the verb's own past, not the form, tells them apart
        return lookup_row(self, rng, PAST, "verb")

    def latent(self, rng, held):  # held rows are (verb, options); no latent form lists four options
        xs = tuple(rng.choice(VERBS) for _ in range(rng.randint(1, 3)))
        ys = [PAST[x] for x in xs]
        name = rng.choice(NAMES)
        k = rng.randrange(4)
        if k == 0:
            return " ".join(f"today i {x}, yesterday i {y}." for x, y in zip(xs, ys))
        if k == 1:
            return named(rng, xs, ys, "past tense", "past tenses")
        if k == 2:
            return f"every day {name} likes to {join_list(list(xs))}; last week {name} {join_list(ys)}."
        return f"{name} did not {xs[0]} today, but {name} {ys[0]} in the past."


class Next(ListTransform):
    def __init__(self):
        super().__init__("next", "next after {x} =", list(NEXT), NEXT.get)

    def latent(self, rng, held):
        xs = self.latent_items(rng, held)
        ys = [NEXT[x] for x in xs]
        k = rng.randrange(4)
        if k == 0:
            return " ".join(f"after {x} comes {y}." for x, y in zip(xs, ys))
        if k == 1:
            seq = SEQ_OF[xs[0]]  # a run of the sequence from xs[0]; counting does not wrap
            i, n = seq.index(xs[0]), rng.randint(3, 5)
            n = min(n, len(seq) - i) if seq is COUNTING else n
            return ", ".join(seq[(i + j) % len(seq)] for j in range(n)) + "."
        if k == 2:  # joined with "and" or, half of the time, bare: "ten june are followed by eleven july."
            j = join_list if rng.random() < 0.5 else " ".join
            return f"{j(list(xs))} {'is' if len(xs) == 1 else 'are'} followed by {j(ys)}."
        return f"first {xs[0]}, then {ys[0]}."


SKILLS4 = {"parity": Parity, "capital": Capital, "past": Past, "next": Next}
