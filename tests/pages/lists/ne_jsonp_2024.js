data_callback([
{
"title": "新能源车企发布季度交付数据（样例0）",
"digest": "",
"docurl": "https://www.163.com/tech/article/J5TE00ST00097U7R.html",
"commenturl": "https://comment.tie.163.com/J5TE00ST00097U7R.html",
"tienum": 0,
"time": "05/10/2024 10:00:00",
"newstype": "article",
"keywords": [
{
"akey_link": "/keywords/x.html",
"keyname": "测试"
}
]
},
{
"title": "一家芯片公司完成新一轮融资（样例1）",
"digest": "",
"docurl": "https://www.163.com/tech/article/J5TE01ST00097U7R.html",
"commenturl": "https://comment.tie.163.com/J5TE01ST00097U7R.html",
"tienum": 1,
"time": "05/11/2024 10:00:00",
"newstype": "article",
"keywords": [
{
"akey_link": "/keywords/x.html",
"keyname": "测试"
}
]
},
{
"title": "外卖平台调整骑手保障方案（样例2）",
"digest": "",
"docurl": "https://www.163.com/tech/article/J5TE02ST00097U7R.html",
"commenturl": "https://comment.tie.163.com/J5TE02ST00097U7R.html",
"tienum": 2,
"time": "05/12/2024 10:00:00",
"newstype": "article",
"keywords": [
{
"akey_link": "/keywords/x.html",
"keyname": "测试"
}
]
},
{
"title": "云计算厂商下调存储价格（样例3）",
"digest": "",
"docurl": "https://www.163.com/tech/article/J5TE03ST00097U7R.html",
"commenturl": "https://comment.tie.163.com/J5TE03ST00097U7R.html",
"tienum": 3,
"time": "05/13/2024 10:00:00",
"newstype": "article",
"keywords": [
{
"akey_link": "/keywords/x.html",
"keyname": "测试"
}
]
},
{
"title": "机器人初创企业进入量产阶段（样例4）",
"digest": "",
"docurl": "https://www.163.com/tech/article/J5TE04ST00097U7R.html",
"commenturl": "https://comment.tie.163.com/J5TE04ST00097U7R.html",
"tienum": 4,
"time": "05/14/2024 10:00:00",
"newstype": "article",
"keywords": [
{
"akey_link": "/keywords/x.html",
"keyname": "测试"
}
]
},
{
"title": "电商平台公布促销期间成交额（样例5）",
"digest": "",
"docurl": "https://www.163.com/tech/article/J5TE05ST00097U7R.html",
"commenturl": "https://comment.tie.163.com/J5TE05ST00097U7R.html",
"tienum": 5,
"time": "05/15/2024 10:00:00",
"newstype": "article",
"keywords": [
{
"akey_link": "/keywords/x.html",
"keyname": "测试"
}
]
},
{
"title": "视频测试",
"docurl": "https://www.163.com/v/video/VJ5TE0001.html",
"time": "05/18/2024 10:00:00",
"newstype": "video"
},
])