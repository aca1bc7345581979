//! Why a request or a field was refused: `extensions.reason`, a closed set
//! documented in the schema (`ErrorReason`) so a generated client can switch
//! on it. Each reason belongs to one `extensions.code`.

use super::Code;

macro_rules! reasons {
    ($($(#[doc = $doc:literal])* $variant:ident = $text:literal => $code:ident),+ $(,)?) => {
        /// Why a request or field was refused (`extensions.reason`), beside
        /// its `extensions.code`. New reasons may be added; a client should
        /// treat one it does not know by its code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, async_graphql::Enum)]
        #[graphql(name = "ErrorReason")]
        pub enum Reason {
            $($(#[doc = $doc])* #[graphql(name = $text)] $variant),+
        }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $text),+ }
            }

            /// The code an error with this reason carries.
            pub const fn code(self) -> Code {
                match self { $(Reason::$variant => Code::$code),+ }
            }

            pub fn parse(s: &str) -> Option<Reason> {
                Reason::ALL.iter().copied().find(|r| r.as_str() == s)
            }
        }
    };
}

reasons! {
    // The HTTP request itself.
    /// The body is not `application/json` (UTF-8).
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE" => BadUserInput,
    /// The body is not valid JSON.
    MalformedJson = "MALFORMED_JSON" => BadUserInput,
    /// The body could not be read.
    MalformedBody = "MALFORMED_BODY" => BadUserInput,
    /// `query`, `variables`, `operationName` or `extensions` are not what GraphQL over HTTP allows.
    InvalidParameters = "INVALID_PARAMETERS" => BadUserInput,
    /// Neither GET nor POST.
    MethodNotAllowed = "METHOD_NOT_ALLOWED" => BadUserInput,
    /// A mutation sent with GET.
    MutationOverGet = "MUTATION_OVER_GET" => BadUserInput,
    /// No response media type the client accepts.
    NotAcceptable = "NOT_ACCEPTABLE" => BadUserInput,
    /// The body is over `--max-body-bytes` (or the smaller anonymous limit).
    MaxBodyBytes = "MAX_BODY_BYTES" => BadUserInput,
    /// More operations in a batch than `--max-batch`.
    MaxBatch = "MAX_BATCH" => BadUserInput,
    /// The request headers did not arrive in time.
    HeaderReadTimeout = "HEADER_READ_TIMEOUT" => BadUserInput,
    /// The request body did not arrive in time.
    BodyReadTimeout = "BODY_READ_TIMEOUT" => BadUserInput,
    // The document.
    /// The document does not parse.
    GraphqlParseFailed = "GRAPHQL_PARSE_FAILED" => BadUserInput,
    /// The document is not valid against the schema (or a value not of its type).
    GraphqlValidationFailed = "GRAPHQL_VALIDATION_FAILED" => BadUserInput,
    /// A variable's value is not of its declared type.
    InvalidVariable = "INVALID_VARIABLE" => BadUserInput,
    /// An argument's value is not of its type.
    InvalidArgument = "INVALID_ARGUMENT" => BadUserInput,
    /// The operation to run is not named, or not in the document.
    UnknownOperation = "UNKNOWN_OPERATION" => BadUserInput,
    /// Nested deeper than `--max-depth`.
    MaxDepth = "MAX_DEPTH" => BadUserInput,
    /// Costs more than `--max-complexity`.
    MaxComplexity = "MAX_COMPLEXITY" => BadUserInput,
    /// More aliases than `--max-aliases`.
    MaxAliases = "MAX_ALIASES" => BadUserInput,
    /// More root fields than `--max-root-fields`.
    MaxRootFields = "MAX_ROOT_FIELDS" => BadUserInput,
    /// More directives than `--max-directives`.
    MaxDirectives = "MAX_DIRECTIVES" => BadUserInput,
    /// Brackets nested deeper than `--max-recursion`.
    MaxRecursion = "MAX_RECURSION" => BadUserInput,
    /// More than one costly field (a verification) in one request.
    MaxCostlyFields = "MAX_COSTLY_FIELDS" => BadUserInput,
    /// The step is not possible from the matter's state (`possibleSteps` lists those that are).
    StepNotPossible = "STEP_NOT_POSSIBLE" => BadUserInput,
    /// A required input for this step is missing (the field names it).
    StepIncomplete = "STEP_INCOMPLETE" => BadUserInput,
    /// Introspection is off (`--production`).
    IntrospectionDisabled = "INTROSPECTION_DISABLED" => Forbidden,
    // Who asks.
    /// No bearer token where one is needed.
    NoToken = "NO_TOKEN" => Unauthenticated,
    /// The bearer token is invalid or expired.
    InvalidToken = "INVALID_TOKEN" => Unauthenticated,
    /// No grant the field's rule needs.
    RoleMissing = "ROLE_MISSING" => Forbidden,
    /// The field has no permission rule (denied by default).
    NoRule = "NO_RULE" => Forbidden,
    /// No role of the caller on the matter grants the step (`possibleSteps` lists those it may take).
    StepNotGranted = "STEP_NOT_GRANTED" => Forbidden,
    /// On a matter the central committee assigned, the step is the central committee's (`possibleSteps` lists the caller's).
    AssigningCommitteeDecides = "ASSIGNING_COMMITTEE_DECIDES" => Forbidden,
    // Capacity and time.
    /// At capacity (connections, requests in flight, buffered bytes, costly slots); retry after `Retry-After`.
    ServerBusy = "SERVER_BUSY" => Unavailable,
    /// The request ran out of time.
    RequestTimeout = "REQUEST_TIMEOUT" => Timeout,
    // Conflicts: the write was refused as things stand, nothing changed.
    /// `expectedVersion` is not the record's version (`currentVersion` says what it is).
    StaleVersion = "STALE_VERSION" => Conflict,
    /// A unique value (a code, an agency's number) is taken among the records it must be unique in.
    Duplicate = "DUPLICATE" => Conflict,
    /// The record is closed to this write (a matter no longer monitored).
    Closed = "CLOSED" => Conflict,
    /// The audit trail is append-only: a change or removal of an entry was refused.
    AppendOnly = "APPEND_ONLY" => Conflict,
    /// The idempotency key was used with another request.
    KeyReused = "KEY_REUSED" => Conflict,
    /// The idempotency key is being used by a request still running.
    KeyInUse = "KEY_IN_USE" => Conflict,
    /// The write collided with concurrent ones; send it again.
    ConcurrentWrite = "CONCURRENT_WRITE" => Conflict,
    /// The write would break a rule the stored records must keep (overlapping terms, a seat taken, a referenced record gone).
    Inconsistent = "INCONSISTENT" => Conflict,
    /// There is nothing for this write to act on (an empty audit trail to checkpoint, no free code left).
    NothingToDo = "NOTHING_TO_DO" => Conflict,
    /// An internal error; the `errorId` ties it to the log.
    MissingContext = "MISSING_CONTEXT" => Internal,
}
