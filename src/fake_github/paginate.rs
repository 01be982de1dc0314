//! `per_page`/`page` slicing and the `Link` header GitHub sends with it.

use http::HeaderValue;

const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;

/// The query of a request as ordered pairs, so links can repeat it faithfully.
pub(crate) type QueryPairs = Vec<(String, String)>;

pub(crate) fn parse_query(raw: Option<&str>) -> QueryPairs {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(crate) fn param<'a>(query: &'a QueryPairs, name: &str) -> Option<&'a str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// One page of `items` and, when there is more than one page, the `Link` header for it.
/// `url` is the absolute URL of the listing without its query.
pub(crate) fn paginate<T>(
    items: Vec<T>,
    url: &str,
    query: &QueryPairs,
) -> (Vec<T>, Option<HeaderValue>) {
    let per_page = param(query, "per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PER_PAGE)
        .clamp(1, MAX_PER_PAGE);
    let page = param(query, "page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let link = (last > 1).then(|| link_header(url, query, page, last));
    let items = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    (items, link.and_then(|l| HeaderValue::from_str(&l).ok()))
}

fn link_header(url: &str, query: &QueryPairs, page: usize, last: usize) -> String {
    let page_url = |n: usize| {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.iter().filter(|(k, _)| k != "page") {
            serializer.append_pair(k, v);
        }
        serializer.append_pair("page", &n.to_string());
        format!("<{url}?{}>", serializer.finish())
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", page_url((page - 1).min(last))));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", page_url(page + 1)));
        links.push(format!("{}; rel=\"last\"", page_url(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", page_url(1)));
    }
    links.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(items: usize, query: &str) -> (Vec<usize>, Option<String>) {
        let (page, header) = paginate(
            (1..=items).collect(),
            "http://h/repos/o/r/issues",
            &parse_query(Some(query)),
        );
        (page, header.map(|h| h.to_str().unwrap().to_string()))
    }

    #[test]
    fn one_page_has_no_link() {
        assert_eq!(link(3, ""), (vec![1, 2, 3], None));
    }

    #[test]
    fn first_middle_and_last_pages_link_like_github() {
        let (items, header) = link(5, "state=all&per_page=2");
        assert_eq!(items, vec![1, 2]);
        assert_eq!(
            header.unwrap(),
            "<http://h/repos/o/r/issues?state=all&per_page=2&page=2>; rel=\"next\", \
             <http://h/repos/o/r/issues?state=all&per_page=2&page=3>; rel=\"last\""
        );
        let (items, header) = link(5, "per_page=2&page=2");
        assert_eq!(items, vec![3, 4]);
        let header = header.unwrap();
        assert!(header.contains("page=1>; rel=\"prev\""));
        assert!(header.contains("page=3>; rel=\"next\""));
        assert!(header.contains("page=1>; rel=\"first\""));
        let (items, header) = link(5, "per_page=2&page=3");
        assert_eq!(items, vec![5]);
        assert!(!header.unwrap().contains("rel=\"next\""));
    }

    #[test]
    fn per_page_is_clamped_to_a_hundred() {
        let (items, header) = link(150, "per_page=500");
        assert_eq!(items.len(), 100);
        assert!(header.unwrap().contains("page=2>; rel=\"last\""));
    }
}
