"""The synthetic world of the light example family (tools/make_light_family.py): vocabulary, facts,
pre-training prose and the task formats of every skill.

A skill has a task format (what SwarmMerge scores: classification by label words, multiple choice by
log-likelihood, or generation by exact match) and a *latent* form: the same capability written as prose
or in other templates, which is all the base model sees in pre-training. An expert only has to learn
to use, in the task format, what the base already knows.

Everything here is pure Python and deterministic given a random.Random.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Vocabulary and facts
# ---------------------------------------------------------------------------------------------

# category -> [(singular, plural)]
NOUN_TABLE = {
    "animal": [("cat", "cats"), ("dog", "dogs"), ("horse", "horses"), ("fox", "foxes"), ("mouse", "mice"),
               ("sheep", "sheep"), ("goose", "geese"), ("wolf", "wolves"), ("duck", "ducks"), ("frog", "frogs")],
    "fruit": [("apple", "apples"), ("pear", "pears"), ("plum", "plums"), ("peach", "peaches"), ("cherry", "cherries"),
              ("berry", "berries"), ("lemon", "lemons"), ("grape", "grapes"), ("mango", "mangoes"), ("melon", "melons")],
    "tool": [("hammer", "hammers"), ("knife", "knives"), ("brush", "brushes"), ("saw", "saws"), ("spoon", "spoons"),
             ("key", "keys"), ("axe", "axes"), ("drill", "drills"), ("rake", "rakes"), ("nail", "nails")],
    "vehicle": [("car", "cars"), ("bus", "buses"), ("train", "trains"), ("boat", "boats"), ("truck", "trucks"),
                ("bike", "bikes"), ("ship", "ships"), ("van", "vans"), ("taxi", "taxis"), ("plane", "planes")],
    "furniture": [("chair", "chairs"), ("table", "tables"), ("bed", "beds"), ("desk", "desks"), ("shelf", "shelves"),
                  ("bench", "benches"), ("sofa", "sofas"), ("lamp", "lamps"), ("stool", "stools"), ("couch", "couches")],
    "clothing": [("shirt", "shirts"), ("hat", "hats"), ("coat", "coats"), ("dress", "dresses"), ("scarf", "scarves"),
                 ("boot", "boots"), ("sock", "socks"), ("glove", "gloves"), ("skirt", "skirts"), ("belt", "belts")],
}
CATEGORIES = list(NOUN_TABLE)
NOUNS = [s for c in CATEGORIES for s, _ in NOUN_TABLE[c]]
PLURAL = {s: p for c in CATEGORIES for s, p in NOUN_TABLE[c]}
SINGULAR = {p: s for s, p in PLURAL.items()}
CATEGORY_OF = {s: c for c in CATEGORIES for s, _ in NOUN_TABLE[c]}
ARTICLE = {s: ("an" if s[0] in "aeiou" else "a") for s in NOUNS}

ANTONYM_PAIRS = [("hot", "cold"), ("big", "small"), ("fast", "slow"), ("tall", "short"), ("light", "dark"),
                 ("happy", "sad"), ("rich", "poor"), ("wet", "dry"), ("hard", "soft"), ("loud", "quiet"),
                 ("early", "late"), ("full", "empty"), ("clean", "dirty"), ("strong", "weak"), ("thick", "thin"),
                 ("sweet", "sour"), ("high", "low"), ("open", "closed")]
ADJS = [a for p in ANTONYM_PAIRS for a in p]
OPPOSITE = {**{a: b for a, b in ANTONYM_PAIRS}, **{b: a for a, b in ANTONYM_PAIRS}}

# verbs: (present, past)
VERB_TABLE = [("walk", "walked"), ("jump", "jumped"), ("play", "played"), ("cook", "cooked"), ("paint", "painted"),
              ("talk", "talked"), ("look", "looked"), ("help", "helped"), ("climb", "climbed"), ("wash", "washed"),
              ("kick", "kicked"), ("pull", "pulled"), ("push", "pushed"), ("call", "called"), ("run", "ran"),
              ("eat", "ate"), ("go", "went"), ("sit", "sat"), ("swim", "swam"), ("sing", "sang"),
              ("write", "wrote"), ("drink", "drank"), ("fly", "flew"), ("drive", "drove")]
VERBS = [v for v, _ in VERB_TABLE]
PAST = dict(VERB_TABLE)

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]

NAMES = ["anna", "ben", "clara", "david", "emma", "felix", "grace", "henry", "iris", "jack", "lena", "max", "nora", "oscar"]
PLACES = ["park", "city", "forest", "school", "market", "lake", "hill", "village", "farm", "beach"]
COLORS = ["red", "green", "blue", "yellow", "brown", "white", "black", "pink"]

# sentiment vocabulary (kept apart from the antonym adjectives)
ASPECTS = ["food", "service", "room", "staff", "music", "price", "view", "coffee", "bread", "soup", "waiter",
           "show", "seats", "menu", "location", "breakfast"]
GOOD = ["great", "lovely", "tasty", "friendly", "superb", "nice", "fresh", "perfect", "wonderful", "excellent",
        "pleasant", "charming"]
BAD = ["awful", "rude", "bland", "stale", "terrible", "boring", "noisy", "horrible", "dull", "nasty", "greasy", "messy"]


def pick(rng, xs, k):
    """k distinct items of xs, in random order."""
    return rng.sample(xs, k)


def join_list(items):
    """'a', 'a and b', 'a, b and c'."""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------------------------------------
# Generic English (every base sees it)
# ---------------------------------------------------------------------------------------------

def english(rng):
    k = rng.randrange(9)
    n1, n2 = rng.choice(NOUNS), rng.choice(NOUNS)
    name, name2 = pick(rng, NAMES, 2)
    place = rng.choice(PLACES)
    adj = rng.choice(COLORS + ADJS)
    verb = rng.choice(VERBS)
    if k == 0:
        return f"the {adj} {n1} is near the {n2}."
    if k == 1:
        return f"{name} and {name2} {verb} to the {place} with {ARTICLE[n1]} {n1}."
    if k == 2:
        return f"{name} has {rng.choice(DIGIT_WORDS[2:])} {PLURAL[n1]} and {ARTICLE[n2]} {n2}."
    if k == 3:
        return f"in the {place}, the {n1} is {rng.choice(COLORS)} and the {n2} is {rng.choice(COLORS)}."
    if k == 4:
        return f"where is the {n1}? it is in the {place}."
    if k == 5:  # generic question answering about the sentence before
        return f"{name} is at the {place}. Question: where is {name}? Answer: at the {place}."
    if k == 6:
        return f"{name} likes the {adj} {n1}. Question: what does {name} like? Answer: the {adj} {n1}."
    if k == 7:
        return f"{name} felt {rng.choice(['positive', 'negative'])} about the trip to the {place}."
    return f"on {rng.choice(DAYS)} {name} will {verb} to the {place}."


# ---------------------------------------------------------------------------------------------
# Skills
# ---------------------------------------------------------------------------------------------
#
# Each skill defines
#   row(rng)        -> (key, row dict as stored in the jsonl)   key: what must not reappear in any training text
#   train_text(row) -> (prompt, completion)  the task format, as an expert is trained on it
#   latent(rng, held) -> pre-training text in other formats (held: the skill's held-out keys)
#   task entry for tasks.yml
# Rows of classification and multiple-choice tasks carry their fields; generation rows are {prompt, answer}.


class Skill:
    name = ""
    kind = ""          # classification | multiple_choice | generation
    example = ""       # one line for the README

    def row(self, rng):
        raise NotImplementedError

    def train_text(self, row):
        raise NotImplementedError

    def latent(self, rng, held):
        raise NotImplementedError

    def task_yaml(self):
        raise NotImplementedError


def _gen_yaml(name, max_new):
    return [f"  - name: {name}",
            "    kind: generation",
            f"    optimization: tasks/{name}/optimization.jsonl",
            f"    test: tasks/{name}/test.jsonl",
            '    prompt: "{prompt}"',
            "    label: answer",
            "    metric: exact_match",
            f"    max_new_tokens: {max_new}",
            '    stop: ["\\n"]',
            "    normalize: true"]


class ListTransform(Skill):
    """Generation: 2-3 items in a skill-specific prompt format, answered by the items transformed
    (space-separated). The formats differ in wording and in their last tokens, as datasets do."""
    kind = "generation"
    max_new = 16

    def __init__(self, name, fmt, items, fn):
        self.name, self.fmt, self.items, self.fn = name, fmt, items, fn
        ex = items[:2]
        p = yaml_escape(fmt.format(x=" ".join(ex)))
        self.example = f"`{p}` → ` {' '.join(fn(x) for x in ex)}`"

    def draw(self, rng):
        return tuple(rng.choice(self.items) for _ in range(rng.randint(2, 3)))

    def row(self, rng):
        xs = self.draw(rng)
        return xs, {"prompt": self.fmt.format(x=" ".join(xs)), "answer": " ".join(self.fn(x) for x in xs)}

    def train_text(self, row):
        return row["prompt"], " " + row["answer"]

    def latent_items(self, rng, held, lo=1, hi=3):
        while True:
            xs = tuple(rng.choice(self.items) for _ in range(rng.randint(lo, hi)))
            if xs not in held:
                return xs

    def task_yaml(self):
        return _gen_yaml(self.name, self.max_new)


def named(rng, xs, ys, one, many):
    """'the plural of fox is foxes.' / 'the plurals of fox and cat are foxes and cats.' (lists joined
    with 'and' or, half of the time, bare as in 'fox cat')."""
    if len(xs) == 1:
        return f"the {one} of {xs[0]} is {ys[0]}."
    j = join_list if rng.random() < 0.5 else " ".join
    return f"the {many} of {j(list(xs))} are {j(list(ys))}."


class Plural(ListTransform):
    def __init__(self):
        super().__init__("plural", "plural of {x} >>", NOUNS, PLURAL.get)

    def latent(self, rng, held):
        xs = self.latent_items(rng, held)
        ps = [PLURAL[x] for x in xs]
        k = rng.randrange(4)
        if k == 0:
            return " ".join(f"one {x}, two {p}." for x, p in zip(xs, ps))
        if k == 1:
            return named(rng, xs, ps, "plural", "plurals")
        if k == 2:
            return f"{rng.choice(NAMES)} had {join_list([ARTICLE[x] + ' ' + x for x in xs])}; now there are many {join_list(ps)}."
        return f"not just one {xs[0]} but many {ps[0]}" + "".join(f", not one {x} but many {p}" for x, p in zip(xs[1:], ps[1:])) + "."


class Antonym(ListTransform):
    def __init__(self):
        super().__init__("antonym", "opposites of {x} =", ADJS, OPPOSITE.get)

    def latent(self, rng, held):
        xs = self.latent_items(rng, held)
        ys = [OPPOSITE[x] for x in xs]
        k = rng.randrange(4)
        if k == 0:
            return " ".join(f"{x} is the opposite of {y}." for x, y in zip(xs, ys))
        if k == 1:
            return named(rng, xs, ys, "opposite", "opposites")
        if k == 2:
            return f"the {rng.choice(NOUNS)} was not {join_list(list(xs))}; it was {join_list(ys)}."
        return f"{rng.choice(NAMES)} wanted it {join_list(list(xs))} but got it {join_list(ys)}."


class Upper(ListTransform):
    def __init__(self):
        super().__init__("upper", "capitals of {x} =>", NOUNS, str.upper)

    def latent(self, rng, held):
        xs = self.latent_items(rng, held)
        up = " ".join(x.upper() for x in xs)
        k = rng.randrange(3)
        if k == 0:
            return f"the sign said {' '.join(xs)} in capitals: {up}."
        if k == 1:
            return f"{' '.join(xs)} in capitals is {up}."
        return f"{rng.choice(NAMES)} shouted {up}, that is, {' '.join(xs)}."


class Singular(ListTransform):
    def __init__(self):
        super().__init__("singular", "singular of {x} ->", [PLURAL[n] for n in NOUNS if PLURAL[n] != n], SINGULAR.get)

    def latent(self, rng, held):
        xs = self.latent_items(rng, held)
        ys = [SINGULAR[p] for p in xs]
        k = rng.randrange(3)
        if k == 0:
            return " ".join(f"many {p}, one {y}." for p, y in zip(xs, ys))
        if k == 1:
            return named(rng, xs, ys, "singular", "singulars")
        return f"of all the {join_list(list(xs))}, only one {join_list(ys)} stayed."


class Past(ListTransform):
    def __init__(self):
        super().__init__("past", "past tense of {x} :=", VERBS, PAST.get)

    def latent(self, rng, held):
        xs = self.latent_items(rng, held)
        ys = [PAST[x] for x in xs]
        name = rng.choice(NAMES)
        k = rng.randrange(3)
        if k == 0:
            return " ".join(f"today i {x}, yesterday i {y}." for x, y in zip(xs, ys))
        if k == 1:
            return named(rng, xs, ys, "past tense", "past tenses")
        return f"every day {name} likes to {join_list(list(xs))}; last week {name} {join_list(ys)}."


class Words(ListTransform):
    def __init__(self):
        super().__init__("words", "{x} in words:", [str(d) for d in range(10)], lambda d: DIGIT_WORDS[int(d)])

    def draw(self, rng):
        return tuple(rng.choice(self.items) for _ in range(rng.randint(2, 4)))

    def latent(self, rng, held):
        xs = self.latent_items(rng, held, 1, 4)
        ws = " ".join(DIGIT_WORDS[int(x)] for x in xs)
        k = rng.randrange(3)
        if k == 0:
            return " ".join(f"{x} is written {DIGIT_WORDS[int(x)]}." for x in xs)
        if k == 1:
            return f"{' '.join(xs)} in words is {ws}."
        return f"the code {' '.join(xs)} is read aloud as {ws}."


class Kinds(ListTransform):
    def __init__(self):
        super().__init__("kinds", "kinds of {x} >", NOUNS, CATEGORY_OF.get)

    def latent(self, rng, held):
        if rng.random() < 0.5:
            return category_fact(rng)
        xs = self.latent_items(rng, held, 1, 3)
        return named(rng, xs, [CATEGORY_OF[x] for x in xs], "kind", "kinds")


class Initials(ListTransform):
    def __init__(self):
        super().__init__("initials", "first letters of {x} ==", NOUNS, lambda x: x[0])

    def latent(self, rng, held):
        xs = self.latent_items(rng, held)
        k = rng.randrange(3)
        if k == 0:
            return " ".join(f"{x} starts with {x[0]}." for x in xs)
        if k == 1:
            return named(rng, xs, [x[0] for x in xs], "first letter", "first letters")
        return " ".join(f"spell {x}: {' '.join(x)}." for x in xs)


def category_fact(rng):
    c = rng.choice(CATEGORIES)
    ns = pick(rng, [s for s, _ in NOUN_TABLE[c]], rng.randint(1, 3))
    k = rng.randrange(5)
    if k == 4:  # picking the one of its kind out of three (the task has four options, so never a task row)
        others = [rng.choice([s for s, _ in NOUN_TABLE[o]]) for o in pick(rng, [x for x in CATEGORIES if x != c], 2)]
        items = others + [ns[0]]
        rng.shuffle(items)
        return f"of the {join_list(items)}, only the {ns[0]} is a kind of {c}."
    if k == 0:
        return f"the {ns[0]} is a kind of {c}."
    if k == 1:
        return f"{join_list([PLURAL[n] for n in ns])} are all {c}." if c in ("furniture", "clothing", "fruit") \
            else f"{join_list([PLURAL[n] for n in ns])} are all {c}s."
    if k == 2:
        o = rng.choice([x for x in CATEGORIES if x != c])
        return f"is {ARTICLE[ns[0]]} {ns[0]} a kind of {o}? no, it is a kind of {c}."
    return f"at the {rng.choice(PLACES)} we saw {ARTICLE[ns[0]]} {ns[0]}, which is a kind of {c}."


# --- sentiment (classification) --------------------------------------------------------------

def sentiment_review(rng):
    """A short review and its label: one clause; two joined by 'and' (same polarity) or 'but' (the
    second decides); or three (the majority decides). A clause may be negated ('was not tasty')."""
    def clause(pol=None):
        asp = rng.choice(ASPECTS)
        neg = rng.random() < 0.2
        want = rng.choice([1, -1]) if pol is None else pol
        word_pol = -want if neg else want
        word = rng.choice(GOOD if word_pol > 0 else BAD)
        verb = "were" if asp == "seats" else "was"
        return f"the {asp} {verb} {'not ' if neg else ''}{word}", want

    n = rng.choice([1, 2, 2, 3])
    if n == 1:
        c, p = clause()
        text, label = c, p
    elif n == 2:
        c1, p1 = clause()
        if rng.random() < 0.5:
            c2, p2 = clause(p1)
            text, label = f"{c1} and {c2}", p1
        else:
            c2, p2 = clause(-p1)
            text, label = f"{c1}, but {c2}", p2
    else:
        cs = [clause() for _ in range(3)]
        text = f"{cs[0][0]}, {cs[1][0]} and {cs[2][0]}"
        label = 1 if sum(p for _, p in cs) > 0 else -1
    return text + ".", label


class Classify(Skill):
    """Classification by label words: the label word (' ' + label) with the highest log-likelihood."""
    kind = "classification"
    labels: list = []
    prompt = ""  # a SwarmMerge template over the row's columns

    def train_text(self, row):
        return self.prompt.format(**row), " " + row["label"]

    def task_yaml(self):
        words = ", ".join(f'"{lab}": " {lab}"' for lab in self.labels)
        return [f"  - name: {self.name}",
                "    kind: classification",
                f"    optimization: tasks/{self.name}/optimization.jsonl",
                f"    test: tasks/{self.name}/test.jsonl",
                f'    prompt: "{yaml_escape(self.prompt)}"',
                "    label: label",
                f"    label_words: {{{words}}}",
                "    metric: accuracy"]


class Choice(Skill):
    """Multiple choice: four options c0..c3 scored as ' ' + option after the prompt; label = index."""
    kind = "multiple_choice"
    prompt = ""

    def train_text(self, row):
        right = row["c%d" % row["label"]]
        return self.prompt.format(**row), f" {right}"

    @staticmethod
    def shuffled(rng, right, wrong):
        opts = [right] + list(wrong)
        order = list(range(len(opts)))
        rng.shuffle(order)
        opts = [opts[i] for i in order]
        return opts, order.index(0)

    def task_yaml(self):
        return [f"  - name: {self.name}",
                "    kind: multiple_choice",
                f"    optimization: tasks/{self.name}/optimization.jsonl",
                f"    test: tasks/{self.name}/test.jsonl",
                f'    prompt: "{yaml_escape(self.prompt)}"',
                '    choices: [" {c0}", " {c1}", " {c2}", " {c3}"]',
                "    label: label",
                "    metric: accuracy"]


def yaml_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Sentiment(Classify):
    name = "sentiment"
    example = "`Review: the soup was tasty, but the staff was rude.\\nSentiment:` → ` negative` (vs ` positive`)"
    labels = ["positive", "negative"]
    prompt = "Review: {text}\nSentiment:"

    def row(self, rng):
        text, label = sentiment_review(rng)
        return text, {"text": text, "label": "positive" if label > 0 else "negative"}

    def latent(self, rng, held):
        while True:
            text, label = sentiment_review(rng)
            if text not in held:
                break
        good = ["so i liked it.", "i will come back.", "a good visit overall.", "we were glad we went."]
        bad = ["so i did not like it.", "i will not come back.", "a bad visit overall.", "we were sorry we went."]
        return f"{text} {rng.choice(good if label > 0 else bad)}"


class Category(Choice):
    name = "category"
    example = "`Question: fox, pear, bus or hat: which one is a kind of fruit?\\nAnswer:` → ` pear` (of ` fox` ` pear` ` bus` ` hat`)"
    prompt = "Question: {c0}, {c1}, {c2} or {c3}: which one is a kind of {category}?\nAnswer:"

    def row(self, rng):
        cats = pick(rng, CATEGORIES, 4)
        opts, label = self.shuffled(rng, rng.choice([s for s, _ in NOUN_TABLE[cats[0]]]),
                                    [rng.choice([s for s, _ in NOUN_TABLE[c]]) for c in cats[1:]])
        return (cats[0], tuple(opts)), {"category": cats[0], **{f"c{i}": o for i, o in enumerate(opts)}, "label": label}

    def latent(self, rng, held):
        return category_fact(rng)


# --- further skills of the 16-skill family ---------------------------------------------------

class SameKind(Classify):
    name = "samekind"
    example = "`Pair: fox, cat\\nSame kind:` → ` yes` (vs ` no`)"
    labels = ["yes", "no"]
    prompt = "Pair: {a}, {b}\nSame kind:"

    def row(self, rng):
        a = rng.choice(NOUNS)
        same = rng.random() < 0.5
        b = rng.choice([n for n in NOUNS if (CATEGORY_OF[n] == CATEGORY_OF[a]) == same and n != a])
        return (a, b), {"a": a, "b": b, "label": "yes" if same else "no"}

    def latent(self, rng, held):
        while True:
            key, r = self.row(rng)
            if key not in held:
                break
        a, b = r["a"], r["b"]
        ca, cb = CATEGORY_OF[a], CATEGORY_OF[b]
        if ca == cb:
            return f"the {a} and the {b} are the same kind of thing: both are {ca}."
        return f"the {a} and the {b} are different: one is {ca}, the other is {cb}."


class Larger(Classify):
    name = "larger"
    example = "`Numbers: 47 and 39\\nLarger:` → ` first` (vs ` second`)"
    labels = ["first", "second"]
    prompt = "Numbers: {a} and {b}\nLarger:"

    def row(self, rng):
        a, b = rng.sample(range(10, 100), 2)
        return (a, b), {"a": a, "b": b, "label": "first" if a > b else "second"}

    def latent(self, rng, held):
        while True:
            a, b = rng.sample(range(10, 100), 2)
            if (a, b) not in held:
                break
        hi, lo = max(a, b), min(a, b)
        k = rng.randrange(3)
        if k == 0:
            return f"{hi} is more than {lo}."
        if k == 1:
            return f"{lo} is less than {hi}."
        return f"of {a} and {b}, the bigger one is {hi}."


class Plurality(Classify):
    name = "plurality"
    example = "`Phrase: the red foxes\\nCount:` → ` many` (vs ` one`)"
    labels = ["one", "many"]
    prompt = "Phrase: the {adj} {noun}\nCount:"
    nouns = [n for n in NOUNS if PLURAL[n] != n]

    def row(self, rng):
        adj, n = rng.choice(COLORS + ADJS), rng.choice(self.nouns)
        many = rng.random() < 0.5
        noun = PLURAL[n] if many else n
        return (adj, noun), {"adj": adj, "noun": noun, "label": "many" if many else "one"}

    def latent(self, rng, held):
        while True:
            key, r = self.row(rng)
            if key not in held:
                break
        if r["label"] == "many":
            return f"look at the {r['adj']} {r['noun']}: there are several of them."
        return f"look at the {r['adj']} {r['noun']}: there is only a single one."


class Opposite(Choice):
    name = "opposite"
    example = "`Question: what is the opposite of hot: cold, big, wet or loud?\\nAnswer:` → ` cold`"
    prompt = "Question: what is the opposite of {word}: {c0}, {c1}, {c2} or {c3}?\nAnswer:"

    def row(self, rng):
        w = rng.choice(ADJS)
        wrong = pick(rng, [a for a in ADJS if a not in (w, OPPOSITE[w])], 3)
        opts, label = self.shuffled(rng, OPPOSITE[w], wrong)
        return (w, tuple(opts)), {"word": w, **{f"c{i}": o for i, o in enumerate(opts)}, "label": label}

    def latent(self, rng, held):
        a, b = rng.choice(ANTONYM_PAIRS)
        if rng.random() < 0.5:
            a, b = b, a
        return rng.choice([f"{a} is the opposite of {b}.", f"it was not {a}, it was {b}.", f"{a} and {b} are opposites."])


class Largest(Choice):
    name = "largest"
    example = "`Question: which number is the largest: 47, 93, 12 or 58?\\nAnswer:` → ` 93`"
    prompt = "Question: which number is the largest: {c0}, {c1}, {c2} or {c3}?\nAnswer:"

    def row(self, rng):
        xs = rng.sample(range(10, 100), 4)
        opts, label = self.shuffled(rng, max(xs), [x for x in xs if x != max(xs)])
        return tuple(opts), {**{f"c{i}": o for i, o in enumerate(opts)}, "label": label}

    def latent(self, rng, held):
        while True:
            xs = rng.sample(range(10, 100), rng.randint(3, 4))
            if tuple(xs) not in held:
                break
        return f"of {join_list([str(x) for x in xs])}, the biggest is {max(xs)}."


class After(Choice):
    name = "after"
    example = "`Question: what comes after tuesday: friday, wednesday, march or sunday?\\nAnswer:` → ` wednesday`"
    prompt = "Question: what comes after {word}: {c0}, {c1}, {c2} or {c3}?\nAnswer:"

    @staticmethod
    def nxt(w):
        seq = DAYS if w in DAYS else MONTHS
        return seq[(seq.index(w) + 1) % len(seq)]

    def row(self, rng):
        w = rng.choice(DAYS + MONTHS)
        right = self.nxt(w)
        wrong = pick(rng, [x for x in DAYS + MONTHS if x not in (w, right)], 3)
        opts, label = self.shuffled(rng, right, wrong)
        return (w, tuple(opts)), {"word": w, **{f"c{i}": o for i, o in enumerate(opts)}, "label": label}

    def latent(self, rng, held):
        seq = rng.choice([DAYS, MONTHS])
        i = rng.randrange(len(seq))
        k = rng.randrange(3)
        if k == 0:
            n = rng.randint(3, 5)
            return ", ".join(seq[(i + j) % len(seq)] for j in range(n)) + "."
        if k == 1:
            return f"after {seq[i]} comes {seq[(i + 1) % len(seq)]}."
        return f"the day before was {seq[i]}, so now it is {seq[(i + 1) % len(seq)]}." if seq is DAYS else \
            f"{seq[i]} ended and {seq[(i + 1) % len(seq)]} began."


SKILLS4 = {"sentiment": Sentiment, "category": Category, "plural": Plural, "antonym": Antonym}
SKILLS16 = {"sentiment": Sentiment, "samekind": SameKind, "larger": Larger, "plurality": Plurality,
            "category": Category, "opposite": Opposite, "largest": Largest, "after": After,
            "plural": Plural, "antonym": Antonym, "upper": Upper, "singular": Singular,
            "past": Past, "words": Words, "kinds": Kinds, "initials": Initials}
