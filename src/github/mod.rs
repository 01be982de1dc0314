//! The GitHub boundary: App JWT, installation tokens, typed REST calls, webhook verification.
