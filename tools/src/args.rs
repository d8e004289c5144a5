//! The words of a command line, with an option's value given as `--flag value` or `--flag=value`.

pub struct Words<'a> {
    rest: std::slice::Iter<'a, String>,
}

/// One word: an option (with its value when written `--flag=value`) or a positional argument.
pub struct Word<'a> {
    /// The word as written.
    pub text: &'a str,
    /// The option's name (`--fuel` of `--fuel=10`), or the word itself.
    pub flag: &'a str,
    inline: Option<&'a str>,
}

impl<'a> Words<'a> {
    pub fn new(args: &'a [String]) -> Words<'a> {
        Words { rest: args.iter() }
    }

    pub fn next(&mut self) -> Option<Word<'a>> {
        let text = self.rest.next()?.as_str();
        Some(match text.split_once('=') {
            Some((flag, v)) if flag.starts_with("--") => Word { text, flag, inline: Some(v) },
            _ => Word { text, flag: text, inline: None },
        })
    }

    /// The value of an option: what follows its `=`, or else the next word.
    pub fn value(&mut self, w: &Word<'a>) -> Result<String, String> {
        match w.inline {
            Some(v) => Ok(v.to_string()),
            None => self.rest.next().cloned().ok_or_else(|| format!("`{}` needs a value", w.flag)),
        }
    }
}
